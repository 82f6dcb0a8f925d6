/**
 * Which wound-segmentation model each clinic on this workstation uses: the bundled reference model
 * (`native-models/wound-seg/model.json`) unless the clinic's IT admin installed another from the
 * admin screen. The choice is PER CLINIC: one clinic's change never reaches another's scans.
 *
 *   <data dir>/models/<name>-<version>/model.json + <file>.onnx   an installed, verified model (shared, immutable)
 *   <data dir>/models/active/<clinic id>.json                     { dir, installedAt, provider } of the clinic's model
 *                                                                 ({ dir: null } = the bundled one, chosen explicitly)
 *   <data dir>/models/active.json                                 before per-clinic models: the workstation's one;
 *                                                                 adopted by every clinic enrolled then, and removed
 *
 * `activeModelManifest(dataDir, clinicId)` is what inference callers use (`analysis.findWound`).
 * An installed model is verified (manifest schema, sha256, onnxruntime opens it, one warm-up
 * run) before it is copied in and made active; a refused model changes nothing.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ModelError } from './errors';
import { installModel } from './segmenter';
import { parseManifest, type ModelManifest } from './manifest';

const activeSchema = z.object({ version: z.literal(1), dir: z.string().regex(/^[A-Za-z0-9._-]{1,120}$/).nullable(), installedAt: z.number().int(), provider: z.string().nullable() });
type ActivePointer = z.infer<typeof activeSchema>;
const CLINIC_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The bundled reference model's manifest, from the sources, the build (out/main) or a package. */
export function bundledModelManifest(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'native-models', 'wound-seg', 'model.json');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources) {
    for (const base of [join(resources, 'app.asar.unpacked'), resources]) {
      const candidate = join(base, 'native-models', 'wound-seg', 'model.json');
      if (existsSync(candidate)) return candidate;
    }
  }
  return resolve('native-models', 'wound-seg', 'model.json');
}

const modelsDir = (dataDir: string) => join(dataDir, 'models');
const legacyActivePath = (dataDir: string) => join(modelsDir(dataDir), 'active.json');
const activeDir = (dataDir: string) => join(modelsDir(dataDir), 'active');
function activePath(dataDir: string, clinicId: string): string {
  if (!CLINIC_ID.test(clinicId)) throw new ModelError('MANIFEST_INVALID', 'not a clinic id');
  return join(activeDir(dataDir), `${clinicId}.json`);
}

function readPointer(path: string): ActivePointer | null {
  try {
    const parsed = activeSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const readActive = (dataDir: string, clinicId: string): ActivePointer | null => readPointer(activePath(dataDir, clinicId));

/** The installed model's manifest a pointer names, when it is still there. */
function installedManifest(dataDir: string, active: ActivePointer | null): string | null {
  if (!active?.dir) return null;
  const manifest = join(modelsDir(dataDir), active.dir, 'model.json');
  return existsSync(manifest) ? manifest : null;
}

/**
 * The manifest path of the clinic's ACTIVE model: its installed one when set and still present,
 * else the bundled `native-models/wound-seg/model.json`. (Loading it still verifies the sha256.)
 */
export function activeModelManifest(dataDir: string, clinicId: string): string {
  return installedManifest(dataDir, readActive(dataDir, clinicId)) ?? bundledModelManifest();
}

/**
 * The workstation-wide `models/active.json` of earlier versions becomes the choice of each clinic
 * enrolled now (`clinicIds`) that has none of its own, and is then removed, so that no clinic's
 * model changes on upgrade and no clinic enrolled later inherits it. Idempotent.
 */
export function adoptLegacyActiveModel(dataDir: string, clinicIds: readonly string[]): number {
  const legacy = readPointer(legacyActivePath(dataDir));
  if (!legacy) return 0;
  let adopted = 0;
  mkdirSync(activeDir(dataDir), { recursive: true, mode: 0o700 });
  for (const id of clinicIds) {
    if (!CLINIC_ID.test(id) || existsSync(activePath(dataDir, id))) continue;
    const tmp = `${activePath(dataDir, id)}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(legacy)}\n`, { mode: 0o600 });
    renameSync(tmp, activePath(dataDir, id));
    adopted++;
  }
  rmSync(legacyActivePath(dataDir), { force: true });
  return adopted;
}

export interface ActiveModelInfo {
  source: 'bundled' | 'installed';
  manifestPath: string;
  manifest: ModelManifest;
  installedAt: number | null;
  provider: string | null;
}

/** The clinic's active model's manifest as the admin screen shows it (not re-hashed: that happens on load). */
export function describeActiveModel(dataDir: string, clinicId: string): ActiveModelInfo {
  const active = readActive(dataDir, clinicId);
  const installed = installedManifest(dataDir, active);
  const manifestPath = installed ?? bundledModelManifest();
  return {
    source: installed ? 'installed' : 'bundled',
    manifestPath,
    manifest: parseManifest(readFileSync(manifestPath, 'utf8'), 'model.json'),
    installedAt: installed ? active!.installedAt : null,
    provider: installed ? active!.provider : null,
  };
}

function folderName(manifest: ModelManifest): string {
  return `${manifest.name}-${manifest.version}`.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 120) || 'model';
}

async function writeActive(dataDir: string, clinicId: string, value: ActivePointer): Promise<void> {
  const path = activePath(dataDir, clinicId);
  await mkdir(activeDir(dataDir), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(activeSchema.parse(value))}\n`, { mode: 0o600 });
  await rename(tmp, path);
}

/**
 * Installs the model whose manifest is at `manifestPath` (its .onnx beside it) under
 * `<data dir>/models/<name>-<version>/` and makes it the clinic's active model. Refusals (ModelError):
 * MANIFEST_INVALID, MODEL_SHA256_MISMATCH, MODEL_CORRUPT, INPUT_SHAPE, PROVIDER_UNAVAILABLE
 * (onnxruntime cannot open it), MODEL_EXISTS (another model already has this name and version).
 */
export async function installAndActivateModel(dataDir: string, clinicId: string, manifestPath: string, now = Date.now()): Promise<ActiveModelInfo> {
  activePath(dataDir, clinicId); // a bad clinic id is refused before anything is written
  const manifest = parseManifest(readFileSync(manifestPath, 'utf8'), 'model.json');
  const dir = folderName(manifest);
  const dest = join(modelsDir(dataDir), dir);
  await mkdir(modelsDir(dataDir), { recursive: true, mode: 0o700 });
  if (existsSync(join(dest, 'model.json'))) {
    const existing = parseManifest(readFileSync(join(dest, 'model.json'), 'utf8'), 'model.json');
    if (existing.sha256.toLowerCase() !== manifest.sha256.toLowerCase()) {
      throw new ModelError('MODEL_EXISTS', `A different model named ${manifest.name} ${manifest.version} is installed already; give the new one another version in its manifest.`);
    }
  }
  // Verify into a fresh folder, then move it into place (a refused model leaves nothing behind).
  const staging = join(modelsDir(dataDir), `.verify-${randomBytes(6).toString('hex')}`);
  try {
    const installed = await installModel(manifestPath, staging);
    if (!existsSync(join(dest, 'model.json'))) {
      await rm(dest, { recursive: true, force: true });
      await rename(staging, dest);
    }
    await writeActive(dataDir, clinicId, { version: 1, dir, installedAt: now, provider: installed.provider });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return describeActiveModel(dataDir, clinicId);
}

/** The clinic goes back to the bundled reference model (installed models stay on disk). */
export async function useBundledModel(dataDir: string, clinicId: string, now = Date.now()): Promise<ActiveModelInfo> {
  await writeActive(dataDir, clinicId, { version: 1, dir: null, installedAt: now, provider: null });
  return describeActiveModel(dataDir, clinicId);
}
