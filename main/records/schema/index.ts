/** The clinic record's tables, one file per domain (drizzle-kit reads this folder). */
export * from './clinic';
export * from './staff';
export * from './two-factor';
export * from './patients';
export * from './wounds';
export * from './devices';
export * from './scans';
export * from './assessments';
export * from './appointments';
export * from './stock';
export * from './billing';
export * from './audit';
export * from './sync';
export * from './review';
export * from './orders';
