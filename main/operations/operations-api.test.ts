/**
 * Clinic operations through the tRPC caller on the real services (real record, real keychain):
 * roles that must be refused are, a retried command id is applied once even when the requests
 * race, typed errors reach the caller with their code, another clinic's ids find nothing, and
 * bad input changes nothing.
 */
import { rmSync } from 'node:fs';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localToEpochString } from '../../common/time';
import { newId } from '../records/index';
import { assertKeyringWhenRequired, skipKeyring } from '../vault/test-keyring';
import { apiSuite } from '../app/test-api';

const PASSWORD = 'correct horse battery staple';

describe.skipIf(skipKeyring)('operations over tRPC (real record, keychain)', () => {
  assertKeyringWhenRequired();
  const { dataDir, keyStore, logger, services, caller } = apiSuite('cw-ops-api-');
  const anon = caller('anon');
  const admin = caller('admin');
  const manager = caller('manager');
  const nurse = caller('nurse');
  const doctor = caller('doctor');
  const otherAdmin = caller('admin2');
  const otherManager = caller('manager2');
  const clinics: string[] = [];
  let patientId = '';
  let nurseId = '';
  const ids = { room: newId(), type: newId(), item: newId() };
  const at = (local: string) => localToEpochString(local, 'Europe/Berlin');

  beforeAll(async () => {
    for (const [name, a, m] of [['Ops Clinic', admin, manager], ['Other Clinic', otherAdmin, otherManager]] as const) {
      // The first clinic at first run; a further one only by a signed-in IT admin.
      const input = { name, admin: { username: 'admin', displayName: 'Admin', password: PASSWORD }, twoFactorRoles: [] };
      const clinicId = (clinics.length === 0 ? await anon.clinic.enrol(input) : await admin.clinic.enrolAnother(input)).id;
      clinics.push(clinicId);
      await a.auth.login({ clinicId, username: 'admin', password: PASSWORD });
      await a.staff.create({ username: 'manager', displayName: 'Mia Manager', password: PASSWORD, roles: ['manager'] });
      await m.auth.login({ clinicId, username: 'manager', password: PASSWORD });
    }
    nurseId = (await admin.staff.create({ username: 'nurse', displayName: 'Nora Nurse', password: PASSWORD, roles: ['nurse'] })).id;
    await admin.staff.create({ username: 'doctor', displayName: 'Dan Doctor', password: PASSWORD, roles: ['doctor'] });
    await nurse.auth.login({ clinicId: clinics[0]!, username: 'nurse', password: PASSWORD });
    await doctor.auth.login({ clinicId: clinics[0]!, username: 'doctor', password: PASSWORD });
    patientId = (await manager.patients.create({ mrn: 'MRN-OPS-1', givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1950-12-10', sex: 'female', phone: '+1 555 0100' })).id;
    await manager.operations.updateSettings({ commandId: newId(), args: { timeZone: 'Europe/Berlin', currency: 'EUR' } });
    await manager.bookings.defineRoom({ commandId: newId(), args: { roomId: ids.room, name: 'Room 1' } });
    await manager.bookings.defineType({ commandId: newId(), args: { typeId: ids.type, name: 'Dressing change', defaultMinutes: 30, colour: '#1c7ed6' } });
  }, 120_000);

  afterAll(async () => {
    await services.dispose();
    for (const id of clinics) await keyStore.delete(id).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const code = async (p: Promise<unknown>): Promise<string> => p.then(() => 'OK', (e: unknown) => (e instanceof TRPCError ? `${e.code}${(e.cause as unknown as { code?: string } | undefined)?.code ? `/${(e.cause as unknown as { code: string }).code}` : ''}` : 'THROWN'));
  const book = (commandId: string, appointmentId: string, local: string, override = false) =>
    manager.bookings.book({ commandId, args: { appointmentId, patientId, typeId: ids.type, staffId: nurseId, roomId: ids.room, startsAt: at(local), override } });

  it('lets only the roles the issue names do each thing', async () => {
    const args = { appointmentId: newId(), patientId, typeId: ids.type, staffId: nurseId, roomId: ids.room, startsAt: at('2030-01-07T08:00') };
    expect(await code(nurse.bookings.book({ commandId: newId(), args }))).toMatch(/^FORBIDDEN/);
    expect(await code(admin.bookings.calendar({ from: at('2030-01-07T00:00'), to: at('2030-01-08T00:00') }))).toMatch(/^FORBIDDEN/);
    expect(await code(nurse.stock.defineItem({ commandId: newId(), args: { itemId: ids.item, sku: 'X-1', name: 'X', unit: 'piece', packSize: 1, unitCostCents: 1, priceCents: 1, reorderLevel: 0, reorderTarget: 0 } }))).toMatch(/^FORBIDDEN/);
    expect(await code(nurse.stock.prescribe({ commandId: newId(), args: { orderId: newId(), patientId, itemId: ids.item, quantity: 1, validUntil: '2030-01-01' } }))).toMatch(/^FORBIDDEN/);
    expect(await code(manager.stock.prescriptions({ patientId }))).toMatch(/^FORBIDDEN/);
    expect(await code(nurse.billing.list())).toMatch(/^FORBIDDEN/);
    expect(await code(doctor.operations.dashboard({ weeks: 4 }))).toMatch(/^FORBIDDEN/);
    expect(await code(manager.bookings.visitSummary({ appointmentId: newId() }))).toMatch(/^FORBIDDEN/);
    expect(await code(nurse.bookings.calendar({ from: at('2030-01-07T00:00'), to: at('2030-01-08T00:00') }))).toBe('OK');
  });

  it('applies a command id once, even when the same request races itself, and refuses the id with other content', async () => {
    const commandId = newId();
    const appointmentId = newId();
    const results = await Promise.all(Array.from({ length: 5 }, () => book(commandId, appointmentId, '2030-01-08T09:00')));
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    const day = await nurse.bookings.calendar({ from: at('2030-01-08T00:00'), to: at('2030-01-09T00:00') });
    expect(day.map((a) => a.id)).toEqual([appointmentId]);
    expect(await code(book(commandId, newId(), '2030-01-08T11:00'))).toBe('CONFLICT/COMMAND_ID_REUSED');
  });

  it('carries typed errors with their codes: a conflict, an invalid transition, a bad id', async () => {
    const first = newId();
    await book(newId(), first, '2030-01-09T09:00');
    expect(await code(book(newId(), newId(), '2030-01-09T09:10'))).toBe('CONFLICT/BOOKING_CONFLICT');
    expect(await code(book(newId(), newId(), '2030-01-09T09:10', true))).toBe('OK');
    await nurse.bookings.checkIn({ commandId: newId(), args: { appointmentId: first } });
    expect(await code(nurse.bookings.checkIn({ commandId: newId(), args: { appointmentId: first } }))).toBe('CONFLICT/INVALID_TRANSITION');
    expect(await code(manager.bookings.book({ commandId: 'not an id', args: {} as never }))).toBe('BAD_REQUEST');
    expect(await code(manager.bookings.book({ commandId: newId(), args: { appointmentId: newId(), patientId, typeId: ids.type, staffId: nurseId, roomId: ids.room, startsAt: -5 } }))).toBe('BAD_REQUEST');
  });

  it('finds nothing of another clinic: its ids are NOT_FOUND here, and its calendar is its own', async () => {
    expect(await code(otherManager.bookings.book({ commandId: newId(), args: { appointmentId: newId(), patientId, typeId: ids.type, staffId: nurseId, roomId: ids.room, startsAt: at('2030-01-10T09:00') } }))).toBe('NOT_FOUND/NOT_FOUND');
    expect(await otherManager.bookings.calendar({ from: at('2030-01-01T00:00'), to: at('2030-01-31T00:00') })).toEqual([]);
    expect(await code(otherManager.billing.get({ id: newId() }))).toBe('NOT_FOUND/NOT_FOUND');
  });

  it('keeps patient names out of the logs while booking and billing', async () => {
    const text = JSON.stringify(logger.lines);
    expect(text).not.toContain('Lovelace');
    expect(text).not.toContain('MRN-OPS-1');
  });
});
