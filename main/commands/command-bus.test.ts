import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createOpsFixture, type OpsFixture } from '../operations/test-helpers';
import { listAudit, newId, tables } from '../records/index';
import { defineCommand, deriveId } from './index';

let f: OpsFixture;
afterEach(() => f?.dispose());

const count = (table: string): number => (f.record.db.all<{ n: number }>(`SELECT count(*) AS n FROM ${table}` as never)[0] as { n: number }).n;
const snapshot = () => Object.fromEntries(['rooms', 'command_log', 'sync_outbox', 'audit_log'].map((t) => [t, count(t)]));

describe('command bus', () => {
  it('applies a command once: the replay returns the first result and changes nothing', () => {
    f = createOpsFixture();
    const id = newId();
    const first = f.run('bookings.defineRoom', { roomId: newId(), name: 'Room 1' }, f.manager, id);
    const before = snapshot();
    const sent = JSON.parse(f.record.db.select().from(tables.syncOutbox).all().at(-1)!.argsJson) as unknown;
    const again = f.run('bookings.defineRoom', sent, f.manager, id);
    expect(again).toEqual(first);
    expect(snapshot()).toEqual(before);
  });

  it('refuses the same id with other content, and keeps what was saved', () => {
    f = createOpsFixture();
    const id = newId();
    const roomId = newId();
    f.run('bookings.defineRoom', { roomId, name: 'Room 1' }, f.manager, id);
    const before = snapshot();
    expect(() => f.run('bookings.defineRoom', { roomId, name: 'Renamed' }, f.manager, id)).toThrow(expect.objectContaining({ code: 'COMMAND_ID_REUSED' }));
    expect(() => f.run('bookings.defineType', { typeId: newId(), name: 'X', defaultMinutes: 30, colour: '#000000' }, f.manager, id)).toThrow(expect.objectContaining({ code: 'COMMAND_ID_REUSED' }));
    expect(snapshot()).toEqual(before);
    expect(f.ops.bookings.setup().rooms.map((r) => r.name)).toEqual(['Room 1']);
  });

  it('writes one outbox row per local command, numbered 1, 2, 3… for this device, with the command name and args', () => {
    f = createOpsFixture();
    const start = f.ops.commands.device().lastMutationId;
    const roomId = newId();
    f.run('bookings.defineRoom', { roomId, name: 'Room 1' });
    f.run('bookings.defineRoom', { roomId, name: 'Room 1b' });
    const pending = f.ops.commands.pending();
    expect(pending.map((p) => p.mutationId)).toEqual(Array.from({ length: start + 2 }, (_, i) => i + 1));
    expect(pending.at(-1)).toMatchObject({ name: 'bookings.defineRoom', args: { roomId, name: 'Room 1b', active: true }, actorId: f.manager.id });
    expect(f.ops.commands.device().lastMutationId).toBe(start + 2);
  });

  it('rolls everything back when the handler fails: no change, no outbox row, no audit row', () => {
    f = createOpsFixture();
    const before = snapshot();
    expect(() => f.run('bookings.book', { appointmentId: newId(), patientId: f.patients.ada, typeId: newId(), staffId: f.nurse.id, startsAt: Date.now() })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(snapshot()).toEqual(before);
  });

  it('rejects bad args with zod (nothing written) and unknown commands by name', () => {
    f = createOpsFixture();
    const before = snapshot();
    expect(() => f.run('bookings.defineRoom', { roomId: 'x', name: '' })).toThrow(z.ZodError);
    expect(() => f.run('bookings.teleport', {})).toThrow(expect.objectContaining({ code: 'UNKNOWN_COMMAND' }));
    expect(snapshot()).toEqual(before);
  });

  it('applies pulled (remote) commands once without queueing them again', () => {
    f = createOpsFixture();
    const before = snapshot();
    const id = newId();
    const envelope = { id, name: 'bookings.defineRoom', args: { roomId: newId(), name: 'Synced room' }, issuedAt: 1_700_000_000_000 };
    f.ops.commands.execute(envelope, f.manager, { origin: 'remote' });
    f.ops.commands.execute(envelope, f.manager, { origin: 'remote' });
    const after = snapshot();
    expect(after['sync_outbox']).toBe(before['sync_outbox']);
    expect(after['command_log']).toBe(before['command_log']! + 1);
    expect(after['rooms']).toBe(1);
    const [audit] = listAudit(f.record, { entity: 'room' });
    expect(audit).toMatchObject({ action: 'room.define', actorId: f.manager.id, at: 1_700_000_000_000 });
  });

  it('derives the same ids from the same command on every device, and numbers carry the device prefix', () => {
    f = createOpsFixture();
    expect(deriveId('cmd-1', 'occurrence:0')).toBe(deriveId('cmd-1', 'occurrence:0'));
    expect(deriveId('cmd-1', 'occurrence:0')).not.toBe(deriveId('cmd-1', 'occurrence:1'));
    expect(deriveId('cmd-1', 'x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const { numberPrefix } = f.ops.commands.device();
    expect(numberPrefix).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}$/);
    f.ops.commands.register(defineCommand('test.number', z.object({}), (ctx) => ({ a: ctx.nextNumber('INV'), b: ctx.nextNumber('INV'), c: ctx.nextNumber('PO') })) as never);
    expect(f.run('test.number', {})).toEqual({ a: `INV-${numberPrefix}-00001`, b: `INV-${numberPrefix}-00002`, c: `PO-${numberPrefix}-00001` });
  });
});
