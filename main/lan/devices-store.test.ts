import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJsonDevicesStore } from './devices-store';
import type { DeviceRecord } from './types';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cw-devices-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const device = (id: string, hashChar: string): DeviceRecord => ({ id, name: `Tablet ${id}`, app: 'scan 1', tokenHash: hashChar.repeat(64), pairedAt: '2026-01-01T00:00:00.000Z' });

describe('JSON devices store', () => {
  it('adds, lists, renames, revokes and finds by token hash, and keeps it all on disk', async () => {
    const file = join(dir, 'devices.json');
    const store = createJsonDevicesStore(file);
    expect(await store.list()).toEqual([]);
    await Promise.all([store.add(device('1', 'a')), store.add(device('2', 'b'))]);
    await store.rename('1', 'Bay 3');
    await store.revoke('2', new Date('2026-02-01T00:00:00.000Z'));
    await store.revoke('2', new Date('2026-03-01T00:00:00.000Z')); // idempotent: first revocation stands
    expect(await store.findByTokenHash('a'.repeat(64))).toMatchObject({ id: '1', name: 'Bay 3' });
    expect(await store.findByTokenHash('c'.repeat(64))).toBeNull();

    const reopened = createJsonDevicesStore(file);
    expect(await reopened.list()).toEqual([
      { ...device('1', 'a'), name: 'Bay 3' },
      { ...device('2', 'b'), revokedAt: '2026-02-01T00:00:00.000Z' },
    ]);
    expect(JSON.parse(await readFile(file, 'utf8')).v).toBe(1);
  });

  it('names unknown ids, duplicate ids and an unreadable file with typed errors', async () => {
    const store = createJsonDevicesStore(join(dir, 'devices.json'));
    await expect(store.rename('x', 'n')).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    await expect(store.revoke('x')).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    await store.add(device('1', 'a'));
    await expect(store.add(device('1', 'b'))).rejects.toMatchObject({ code: 'DEVICE_EXISTS' });
    // A failed mutation does not block the next one.
    await store.rename('1', 'ok');

    await writeFile(join(dir, 'bad.json'), '{"v":1,"devices":[{"id":1}]}');
    await expect(createJsonDevicesStore(join(dir, 'bad.json')).list()).rejects.toMatchObject({ code: 'DEVICES_FILE_CORRUPT' });
  });
});
