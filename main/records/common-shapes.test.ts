/**
 * common/records.ts is hand-written zod (the renderer cannot import drizzle tables from main/);
 * this test keeps it in step with the tables so neither drifts.
 */
import { getTableColumns } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { LATERALITIES, patientSchema, PRESSURE_INJURY_STAGES, SEXES, WOUND_ETIOLOGIES, WOUND_STATUSES, woundSchema } from '../../common/records';
import { STAFF_ROLES } from '../../common/permissions';
import { patients, staffRoles, wounds } from './schema';

const keys = (o: object): string[] => Object.keys(o).sort();

describe('common/records shapes match the tables', () => {
  it('patient: every column except the internal search keys', () => {
    const { givenKey: _g, familyKey: _f, ...visible } = getTableColumns(patients);
    expect(keys(patientSchema.shape)).toEqual(keys(visible));
  });

  it('wound: every column', () => {
    expect(keys(woundSchema.shape)).toEqual(keys(getTableColumns(wounds)));
  });

  it('enums are the same lists', () => {
    const c = getTableColumns(wounds);
    expect(c.etiology.enumValues).toEqual([...WOUND_ETIOLOGIES]);
    expect(c.status.enumValues).toEqual([...WOUND_STATUSES]);
    expect(c.pressureStage.enumValues).toEqual([...PRESSURE_INJURY_STAGES]);
    expect(c.laterality.enumValues).toEqual([...LATERALITIES]);
    expect(getTableColumns(patients).sex.enumValues).toEqual([...SEXES]);
    expect(getTableColumns(staffRoles).role.enumValues).toEqual([...STAFF_ROLES]);
  });
});
