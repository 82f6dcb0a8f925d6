/**
 * A real encrypted clinic record in a temp dir with operations wired as the app wires them, a
 * manager, a nurse, a doctor, a home-care nurse, two patients, and a controllable clock.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClinicRecord, createPatientsRepository, createStaffRepository, newId, SYSTEM_ACTOR, unwrapOpen, type Actor, type ClinicRecord } from '../records/index';
import { silentLogger } from '../shared/logger';
import { createOperations, type Operations } from './operations';

export interface OpsFixture {
  record: ClinicRecord;
  ops: Operations;
  clock: { now: number };
  manager: Actor;
  nurse: Actor;
  doctor: Actor;
  caregiver: Actor;
  patients: { ada: string; grace: string };
  /** Runs a command with a fresh id (or the one given) as `actor`. */
  run<R = Record<string, unknown>>(name: string, args: unknown, actor?: Actor, commandId?: string): R;
  dispose(): void;
}

/** 2025-03-03 (a Monday) 08:00 UTC. */
export const START = Date.UTC(2025, 2, 3, 8, 0);

export function createOpsFixture(options: { timeZone?: string; currency?: string; now?: number } = {}): OpsFixture {
  const dir = mkdtempSync(join(tmpdir(), 'cw-ops-'));
  const record = unwrapOpen(createClinicRecord({ file: join(dir, 'record.db'), key: randomBytes(32), clinicId: randomUUID(), clinicName: 'Harbour Wound Clinic', logger: silentLogger }));
  const clock = { now: options.now ?? START };
  const ops = createOperations({ record, logger: silentLogger, now: () => clock.now });
  const staffRepo = createStaffRepository(record);
  const member = (username: string, displayName: string, roles: Actor['roles']): Actor => ({ id: staffRepo.create({ username, displayName, passwordHash: 'x', roles: roles as never }, SYSTEM_ACTOR).id, roles });
  const manager = member('manager', 'Mia Manager', ['manager']);
  const nurse = member('nurse', 'Nora Nurse', ['nurse']);
  const doctor = member('doctor', 'Dan Doctor', ['doctor']);
  const caregiver = member('carer', 'Cara Carer', ['nurse']);
  const patientsRepo = createPatientsRepository(record);
  const ada = patientsRepo.create({ mrn: 'MRN-1', givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1950-12-10', sex: 'female', phone: '+44 20 7946 0001', address: '12 St James Square, London' }, SYSTEM_ACTOR).id;
  const grace = patientsRepo.create({ mrn: 'MRN-2', givenName: 'Grace', familyName: 'Hopper', dateOfBirth: '1906-12-09', sex: 'female', email: 'grace@example.org', address: '1 Navy Yard, Arlington' }, SYSTEM_ACTOR).id;
  const run = <R>(name: string, args: unknown, actor: Actor = manager, commandId: string = newId()): R => ops.run<R>(name, { commandId, args }, actor);
  run('operations.updateSettings', { timeZone: options.timeZone ?? 'Europe/Berlin', currency: options.currency ?? 'EUR' });
  return {
    record,
    ops,
    clock,
    manager,
    nurse,
    doctor,
    caregiver,
    patients: { ada, grace },
    run,
    dispose() {
      record.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Rooms, a clinic type with a service code, a home-visit type, a dressing and a prescription-only dressing. */
export function seedOperations(f: OpsFixture) {
  const ids = { room1: newId(), room2: newId(), dressing: newId(), homeVisit: newId(), svcDressing: newId(), svcHome: newId(), foam: newId(), silver: newId() };
  f.run('billing.defineServiceCode', { serviceCodeId: ids.svcDressing, code: 'WC-01', description: 'Dressing change', priceCents: 4500, taxRateBp: 0 });
  f.run('billing.defineServiceCode', { serviceCodeId: ids.svcHome, code: 'WC-HV', description: 'Home visit', priceCents: 7000, taxRateBp: 0 });
  f.run('bookings.defineRoom', { roomId: ids.room1, name: 'Room 1' });
  f.run('bookings.defineRoom', { roomId: ids.room2, name: 'Room 2' });
  f.run('bookings.defineType', { typeId: ids.dressing, name: 'Dressing change', defaultMinutes: 30, colour: '#1c7ed6', kind: 'clinic', serviceCodeId: ids.svcDressing });
  f.run('bookings.defineType', { typeId: ids.homeVisit, name: 'Home visit', defaultMinutes: 45, colour: '#2f9e44', kind: 'home_visit', serviceCodeId: ids.svcHome });
  f.run('bookings.setClinicianProfile', { staffId: f.caregiver.id, homeCare: true, hours: [] });
  f.run('stock.defineItem', { itemId: ids.foam, sku: 'FOAM-10', name: 'Foam dressing 10x10', unit: 'piece', packSize: 10, supplier: 'Medisupply', unitCostCents: 150, priceCents: 320, taxRateBp: 1900, reorderLevel: 20, reorderTarget: 60 });
  f.run('stock.defineItem', { itemId: ids.silver, sku: 'AG-10', name: 'Silver alginate 10x10', unit: 'piece', packSize: 5, supplier: 'Medisupply', unitCostCents: 600, priceCents: 1100, taxRateBp: 700, prescriptionOnly: true, reorderLevel: 5, reorderTarget: 15 });
  return ids;
}
