/**
 * A real encrypted clinic record in a temp dir with operations wired as the app wires them, a
 * manager, a nurse, a doctor, a home-care nurse, two patients, and a controllable clock.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClinicRecord, createPatientsRepository, createStaffRepository, newId, openClinicRecord, SYSTEM_ACTOR, unwrapOpen, type Actor, type ClinicRecord } from '../records/index';
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

/** Where a fixture's record lives when it must outlive the fixture (a child process restarted on the same file). */
export interface OpsFixtureFile {
  file: string;
  key: Buffer;
  clinicId: string;
}

/** The staff and patients a fixture created: what opening its record again needs. */
export type OpsFixturePeople = Pick<OpsFixture, 'manager' | 'nurse' | 'doctor' | 'caregiver' | 'patients'>;

export function createOpsFixture(options: { timeZone?: string; currency?: string; now?: number; at?: OpsFixtureFile } = {}): OpsFixture {
  const dir = options.at ? null : mkdtempSync(join(tmpdir(), 'cw-ops-'));
  const at = options.at ?? { file: join(dir!, 'record.db'), key: randomBytes(32), clinicId: randomUUID() };
  const record = unwrapOpen(createClinicRecord({ ...at, clinicName: 'Harbour Wound Clinic', logger: silentLogger }));
  const f = wire(record, options.now ?? START, dir, () => {
    const staffRepo = createStaffRepository(record);
    const member = (username: string, displayName: string, roles: Actor['roles']): Actor => ({ id: staffRepo.create({ username, displayName, passwordHash: 'x', roles: roles as never }, SYSTEM_ACTOR).id, roles });
    const manager = member('manager', 'Mia Manager', ['manager']);
    const nurse = member('nurse', 'Nora Nurse', ['nurse']);
    const doctor = member('doctor', 'Dan Doctor', ['doctor']);
    const caregiver = member('carer', 'Cara Carer', ['nurse']);
    const patientsRepo = createPatientsRepository(record);
    const ada = patientsRepo.create({ mrn: 'MRN-1', givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1950-12-10', sex: 'female', phone: '+44 20 7946 0001', address: '12 St James Square, London' }, SYSTEM_ACTOR).id;
    const grace = patientsRepo.create({ mrn: 'MRN-2', givenName: 'Grace', familyName: 'Hopper', dateOfBirth: '1906-12-09', sex: 'female', email: 'grace@example.org', address: '1 Navy Yard, Arlington' }, SYSTEM_ACTOR).id;
    return { manager, nurse, doctor, caregiver, patients: { ada, grace } };
  });
  f.run('operations.updateSettings', { timeZone: options.timeZone ?? 'Europe/Berlin', currency: options.currency ?? 'EUR' });
  return f;
}

/** A record made by `createOpsFixture({ at })` opened again (after its process was killed): the same people, a clock at `now`. */
export function openOpsFixture(at: OpsFixtureFile, people: OpsFixturePeople, now: number): OpsFixture {
  return wire(unwrapOpen(openClinicRecord({ ...at, logger: silentLogger })), now, null, () => people);
}

/** Operations on `record` as the app wires them; `makePeople` runs after it, so the staff and patients it makes see the wired record. */
function wire(record: ClinicRecord, now: number, dir: string | null, makePeople: () => OpsFixturePeople): OpsFixture {
  const clock = { now };
  const ops = createOperations({ record, logger: silentLogger, now: () => clock.now });
  const people = makePeople();
  const run = <R>(name: string, args: unknown, actor: Actor = people.manager, commandId: string = newId()): R => ops.run<R>(name, { commandId, args }, actor);
  return {
    record,
    ops,
    clock,
    ...people,
    run,
    dispose() {
      record.dispose();
      if (dir) rmSync(dir, { recursive: true, force: true });
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

/** mulberry32: the same seed gives the same run of numbers (seeded fault and load tests). */
export function seededRng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]! };
}
export type SeededRng = ReturnType<typeof seededRng>;

/** What the mixed commands name: the first workstation's seeded ids, its nurse and patients, the appointments booked so far. */
export interface CommandMix {
  ids: ReturnType<typeof seedOperations>;
  staffId: string;
  patients: readonly string[];
  /** Appointments to cancel, check in or move; each booking adds its id. */
  appointments: string[];
  lots: readonly string[];
}

/**
 * One seeded command of the sync fault test's mix on `f` (bookings, cancels, check-ins, moves,
 * stock receipts and usage, rooms); `label` names a new room. Throws what the command throws
 * when the workstation refuses it (not here yet, cancelled, not enough stock here).
 */
export function mixedCommand(f: OpsFixture, r: SeededRng, mix: CommandMix, label: string): void {
  const { ids, appointments } = mix;
  const roll = r.next();
  if (roll < 0.3) {
    const appointmentId = newId();
    f.run('bookings.book', { appointmentId, patientId: r.pick(mix.patients), typeId: ids.dressing, staffId: mix.staffId, roomId: r.pick([ids.room1, ids.room2]), startsAt: START + r.int(2000) * 1_800_000, override: true });
    appointments.push(appointmentId);
  } else if (roll < 0.4 && appointments.length) {
    f.run('bookings.cancel', { appointmentId: r.pick(appointments), reason: 'Fault test' });
  } else if (roll < 0.5 && appointments.length) {
    f.run('bookings.checkIn', { appointmentId: r.pick(appointments) });
  } else if (roll < 0.55 && appointments.length) {
    f.run('bookings.move', { appointmentId: r.pick(appointments), startsAt: START + r.int(2000) * 1_800_000, override: true });
  } else if (roll < 0.75) {
    f.run('stock.receive', { itemId: ids.foam, lotNumber: r.pick(mix.lots), expiryDate: null, quantity: 1 + r.int(5) });
  } else if (roll < 0.97) {
    f.run('stock.recordUsage', { appointmentId: null, patientId: r.pick(mix.patients), lines: [{ itemId: ids.foam, quantity: 1 + r.int(4) }] }, f.nurse);
  } else {
    f.run('bookings.defineRoom', { roomId: newId(), name: `Room ${label}` });
  }
}
