/** The service's tables (drizzle-kit reads this folder: server/drizzle.config.ts). */
export * from './tenancy';
export * from './sync';
export * from './reminders';
