/**
 * Which wound-segmentation model this workstation uses: the bundled reference model
 * (`native-models/wound-seg/model.json`) unless a clinic installed another from the admin screen.
 *
 *   <data dir>/models/<name>-<version>/model.json + <file>.onnx   an installed, verified model
 *   <data dir>/models/active.json                                 { dir, installedAt, provider } of the one in use
 *
 * `activeModelManifest(dataDir)` is what inference callers use (e.g. `analysis.findWound`).
 * An installed model is verified (manifest schema, sha256, onnxruntime opens it, one warm-up
 * run) before it is copied in and made active; a refused model changes nothing.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ModelError } from './errors';
import { installModel } from './segmenter';
import { parseManifest, type ModelManifest } from './manifest';

const activeSchema = z.object({ version: z.literal(1), dir: z.string().regex(/^[A-Za-z0-9._-]{1,120}$/), installedAt: z.number().int(), provider: z.string().nullable() });

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
const activePath = (dataDir: string) => join(modelsDir(dataDir), 'active.json');

function readActive(dataDir: string): z.infer<typeof activeSchema> | null {
  try {
    const parsed = activeSchema.safeParse(JSON.parse(readFileSync(activePath(dataDir), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The manifest path of the ACTIVE model: the installed one when one is set and still present,
 * else the bundled `native-models/wound-seg/model.json`. (Loading it still verifies the sha256.)
 */
export function activeModelManifest(dataDir: string): string {
  const active = readActive(dataDir);
  if (active) {
    const manifest = join(modelsDir(dataDir), active.dir, 'model.json');
    if (existsSync(manifest)) return manifest;
  }
  return bundledModelManifest();
}

export interface ActiveModelInfo {
  source: 'bundled' | 'installed';
  manifestPath: string;
  manifest: ModelManifest;
  installedAt: number | null;
  provider: string | null;
}

/** The active model's manifest as the admin screen shows it (not re-hashed: that happens on load). */
export function describeActiveModel(dataDir: string): ActiveModelInfo {
  const manifestPath = activeModelManifest(dataDir);
  const active = readActive(dataDir);
  const installed = active !== null && manifestPath === join(modelsDir(dataDir), active.dir, 'model.json');
  return {
    source: installed ? 'installed' : 'bundled',
    manifestPath,
    manifest: parseManifest(readFileSync(manifestPath, 'utf8'), 'model.json'),
    installedAt: installed ? active.installedAt : null,
    provider: installed ? active.provider : null,
  };
}

function folderName(manifest: ModelManifest): string {
  return `${manifest.name}-${manifest.version}`.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 120) || 'model';
}

async function writeActive(dataDir: string, value: z.infer<typeof activeSchema>): Promise<void> {
  const tmp = `${activePath(dataDir)}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(activeSchema.parse(value))}\n`, { mode: 0o600 });
  await rename(tmp, activePath(dataDir));
}

/**
 * Installs the model whose manifest is at `manifestPath` (its .onnx beside it) under
 * `<data dir>/models/<name>-<version>/` and makes it the active model. Refusals (ModelError):
 * MANIFEST_INVALID, MODEL_SHA256_MISMATCH, MODEL_CORRUPT, INPUT_SHAPE, PROVIDER_UNAVAILABLE
 * (onnxruntime cannot open it), MODEL_EXISTS (another model already has this name and version).
 */
export async function installAndActivateModel(dataDir: string, manifestPath: string, now = Date.now()): Promise<ActiveModelInfo> {
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
    await writeActive(dataDir, { version: 1, dir, installedAt: now, provider: installed.provider });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return describeActiveModel(dataDir);
}

/** Goes back to the bundled reference model (installed models stay on disk). */
export async function useBundledModel(dataDir: string): Promise<ActiveModelInfo> {
  await rm(activePath(dataDir), { force: true });
  return describeActiveModel(dataDir);
}
