/**
 * The workstation's health for IT's home screen (issue 21, point 8): the tablet receiver, the
 * backups against their policy, the wound model in use and whether it is whole, sync, and the
 * free space where the data lives. No patient data. The pieces come in as functions (the
 * composition root wires the LAN service, the backup schedule and the model store).
 */
import { statfs, stat } from 'node:fs/promises';
import type { BackupScheduleView } from '../../common/backups';
import type { WorkstationHealth } from '../../common/home';

export interface HealthDeps {
  dataDir: string;
  receiver(): Promise<{ running: boolean; owner: 'this-clinic' | 'other-clinic' | null; port: number | null; pairedDevices: readonly unknown[] }>;
  backups(): Promise<BackupScheduleView>;
  /** The active model's manifest facts and where its file is. */
  model(): { name: string; version: string; source: 'bundled' | 'installed'; file: string; bytes: number | null };
  /** Whether clinic sync is configured (absent: not yet, nothing configures it on this workstation). */
  sync?(): { configured: boolean; note: string };
}

export const SYNC_NOT_CONFIGURED = 'Sync with the hosted Coherency service is not set up on this workstation: bookings, stock and billing stay here until it is.';

async function modelHealth(deps: HealthDeps): Promise<WorkstationHealth['model']> {
  let m: ReturnType<HealthDeps['model']>;
  try {
    m = deps.model();
  } catch (error) {
    return { name: 'unknown', version: '', source: 'installed', ok: false, problem: `The model's manifest cannot be read (${error instanceof Error ? error.message : 'unknown error'}). Install the model again or use the bundled one.` };
  }
  try {
    const size = (await stat(m.file)).size;
    if (m.bytes !== null && size !== m.bytes) return { name: m.name, version: m.version, source: m.source, ok: false, problem: `The model file is ${size} bytes but its manifest says ${m.bytes}: it is damaged. Install it again.` };
  } catch {
    return { name: m.name, version: m.version, source: m.source, ok: false, problem: 'The model file is missing. Install it again or use the bundled one.' };
  }
  return { name: m.name, version: m.version, source: m.source, ok: true, problem: null };
}

export async function workstationHealth(deps: HealthDeps): Promise<WorkstationHealth> {
  const [receiver, backups, model, disk] = await Promise.all([
    deps.receiver(),
    deps.backups(),
    modelHealth(deps),
    statfs(deps.dataDir).then(
      (s) => ({ freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize }),
      () => null,
    ),
  ]);
  return {
    receiver: { running: receiver.running, owner: receiver.owner, port: receiver.port, pairedTablets: receiver.pairedDevices.length },
    backups: { health: backups.health, lastGoodAt: backups.lastGoodAt, maxAgeHours: backups.maxAgeHours, everyHours: backups.policy?.enabled ? backups.policy.everyHours : null, scheduled: Boolean(backups.policy?.enabled), lastError: backups.status.lastError?.message ?? null },
    model,
    sync: deps.sync?.() ?? { configured: false, note: SYNC_NOT_CONFIGURED },
    disk,
  };
}
