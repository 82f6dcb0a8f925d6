import { index, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { SEXES } from '../../../common/records';
import { id, timestamps } from './columns';

export const patients = sqliteTable(
  'patients',
  {
    id: id(),
    /** Medical record number; unique within the clinic (the file is the clinic). */
    mrn: text('mrn').notNull(),
    givenName: text('given_name').notNull(),
    familyName: text('family_name').notNull(),
    /** Search keys: lower-case, diacritics folded (see ../repositories/search-key.ts); kept in step by the repository. */
    givenKey: text('given_key').notNull(),
    familyKey: text('family_key').notNull(),
    /** ISO date, YYYY-MM-DD. */
    dateOfBirth: text('date_of_birth').notNull(),
    sex: text('sex', { enum: SEXES }).notNull(),
    phone: text('phone'),
    email: text('email'),
    address: text('address'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('patients_mrn_unique').on(t.mrn),
    index('patients_family_key_idx').on(t.familyKey, t.givenKey),
    index('patients_given_key_idx').on(t.givenKey),
  ],
);
