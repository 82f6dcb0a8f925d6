/**
 * Paired devices in a JSON file (token hashes only, no tokens). A stand-in with the same
 * `DevicesStore` interface the encrypted-record implementation will have. Writes are serialised
 * and atomic (temp file + rename), and the file is parsed with zod when read.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { LanError } from './errors';
import type { DeviceRecord, DevicesStore } from './types';

const deviceSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1).max(64),
  app: z.string().min(1).max(64),
  tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
  pairedAt: z.string(),
  revokedAt: z.string().optional(),
});
const fileSchema = z.object({ v: z.literal(1), devices: z.array(deviceSchema) });

export function createJsonDevicesStore(filePath: string): DevicesStore {
  let cache: DeviceRecord[] | null = null;
  let queue: Promise<unknown> = Promise.resolve();

  async function load(): Promise<DeviceRecord[]> {
    if (cache) return cache;
    let text: string;
    try {
      text = await readFile(filePath, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return (cache = []);
      throw e;
    }
    let parsed: z.infer<typeof fileSchema>;
    try {
      parsed = fileSchema.parse(JSON.parse(text));
    } catch (cause) {
      throw new LanError('DEVICES_FILE_CORRUPT', `The paired-devices file ${filePath} is unreadable; restore it or pair the tablets again.`, { cause });
    }
    return (cache = parsed.devices.map((d) => ({ ...d })));
  }

  async function save(devices: DeviceRecord[]): Promise<void> {
    await mkdir(dirname(filePath), { recursive: true });
    const tmp = `${filePath}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ v: 1, devices }, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, filePath);
    cache = devices;
  }

  /** Mutations run one after another so two of them never write over each other. */
  function mutate<T>(fn: (devices: DeviceRecord[]) => { next: DeviceRecord[]; result: T }): Promise<T> {
    const run = queue.then(async () => {
      const { next, result } = fn(await load());
      await save(next);
      return result;
    });
    queue = run.catch(() => undefined);
    return run;
  }

  const find = (devices: DeviceRecord[], id: string): number => {
    const i = devices.findIndex((d) => d.id === id);
    if (i < 0) throw new LanError('DEVICE_NOT_FOUND', `No paired device ${id}.`);
    return i;
  };

  return {
    add: (device) =>
      mutate((devices) => {
        if (devices.some((d) => d.id === device.id)) throw new LanError('DEVICE_EXISTS', `Device ${device.id} already exists.`);
        return { next: [...devices, { ...device }], result: undefined };
      }),
    list: async () => {
      await queue;
      return (await load()).map((d) => ({ ...d }));
    },
    rename: (id, name) =>
      mutate((devices) => {
        const i = find(devices, id);
        return { next: devices.map((d, j) => (j === i ? { ...d, name } : d)), result: undefined };
      }),
    revoke: (id, at = new Date()) =>
      mutate((devices) => {
        const i = find(devices, id);
        return { next: devices.map((d, j) => (j === i && !d.revokedAt ? { ...d, revokedAt: at.toISOString() } : d)), result: undefined };
      }),
    findByTokenHash: async (tokenHash) => {
      await queue;
      const d = (await load()).find((x) => x.tokenHash === tokenHash);
      return d ? { ...d } : null;
    },
  };
}
