import { sql } from 'drizzle-orm';

/** Sets the clinic of the current transaction (row-level security reads it). */
export const setClinicSql = (clinicId: string) => sql`SELECT set_config('app.clinic_id', ${clinicId}, true)`;
