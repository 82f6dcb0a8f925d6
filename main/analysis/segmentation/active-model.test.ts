/**
 * Installing another wound model and making it active: the bundled model's copy installs and
 * becomes active; a tampered copy, an invalid manifest and a file onnxruntime cannot open are
 * refused with their ModelError code and change nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { activeModelManifest, adoptLegacyActiveModel, bundledModelManifest, describeActiveModel, installAndActivateModel, useBundledModel } from './active-model';
import { ModelError } from './errors';

const bundled = bundledModelManifest();
const manifest = JSON.parse(readFileSync(bundled, 'utf8')) as Record<string, unknown> & { file: string; version: string; sha256: string };
const onnx = readFileSync(join(bundled, '..', manifest.file));
const dirs: string[] = [];
const temp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A folder with a manifest and model file, as the upload stages them. */
function staged(m: Record<string, unknown>, bytes: Buffer): string {
  const d = temp('cw-model-src-');
  writeFileSync(join(d, 'model.json'), JSON.stringify(m));
  writeFileSync(join(d, String(m['file'])), bytes);
  return join(d, 'model.json');
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (error) {
    return error instanceof ModelError ? error.code : `not a ModelError: ${String(error)}`;
  }
}

const A = 'clinicA0000000000000001';
const B = 'clinicB0000000000000002';

describe('the active wound model (per clinic)', () => {
  it('is the bundled reference model until one is installed', () => {
    const dataDir = temp('cw-model-');
    expect(activeModelManifest(dataDir, A)).toBe(bundled);
    expect(existsSync(bundled)).toBe(true);
    expect(describeActiveModel(dataDir, A)).toMatchObject({ source: 'bundled', installedAt: null });
  });

  it('installs a verified copy under models/<name>-<version>/ and makes it active (persisted); back to bundled on request', { timeout: 120_000 }, async () => {
    const dataDir = temp('cw-model-');
    const m = { ...manifest, version: '1.0.1-clinic' };
    const info = await installAndActivateModel(dataDir, A, staged(m, onnx), 1_700_000_000_000);
    const dir = join(dataDir, 'models', `${manifest['name'] as string}-1.0.1-clinic`);
    expect(info).toMatchObject({ source: 'installed', installedAt: 1_700_000_000_000, provider: 'cpu' });
    expect(activeModelManifest(dataDir, A)).toBe(join(dir, 'model.json'));
    expect(createHash('sha256').update(readFileSync(join(dir, manifest.file))).digest('hex')).toBe(manifest.sha256);
    expect(readdirSync(join(dataDir, 'models')).sort()).toEqual(['active', `${manifest['name'] as string}-1.0.1-clinic`]);
    expect(readdirSync(join(dataDir, 'models', 'active'))).toEqual([`${A}.json`]);
    // Clinic B never sees clinic A's change.
    expect(activeModelManifest(dataDir, B)).toBe(bundled);
    expect(describeActiveModel(dataDir, B)).toMatchObject({ source: 'bundled' });
    // The same model again is fine (idempotent); a DIFFERENT one under the same name and version is refused.
    await installAndActivateModel(dataDir, A, staged(m, onnx));
    const other = Buffer.from(onnx);
    other[other.length - 1]! ^= 1;
    expect(await refusal(installAndActivateModel(dataDir, B, staged({ ...m, sha256: createHash('sha256').update(other).digest('hex') }, other)))).toBe('MODEL_EXISTS');
    expect(activeModelManifest(dataDir, B)).toBe(bundled);
    // B may choose the same installed model; A going back to the bundled one leaves B on it.
    await installAndActivateModel(dataDir, B, staged(m, onnx));
    expect((await useBundledModel(dataDir, A)).source).toBe('bundled');
    expect(activeModelManifest(dataDir, A)).toBe(bundled);
    expect(activeModelManifest(dataDir, B)).toBe(join(dir, 'model.json'));
    await expect(useBundledModel(dataDir, '../evil')).rejects.toBeInstanceOf(ModelError);
  });

  it('refuses a tampered model, a bad manifest and a file onnxruntime cannot open, leaving the active model as it was', { timeout: 120_000 }, async () => {
    const dataDir = temp('cw-model-');
    const tampered = Buffer.from(onnx);
    tampered[1000]! ^= 0xff;
    expect(await refusal(installAndActivateModel(dataDir, A, staged({ ...manifest, version: '2' }, tampered)))).toBe('MODEL_SHA256_MISMATCH');
    expect(await refusal(installAndActivateModel(dataDir, A, staged({ ...manifest, version: '3', threshold: 7 }, onnx)))).toBe('MANIFEST_INVALID');
    const junk = Buffer.concat([Buffer.from([0x08, 0x07]), Buffer.alloc(4000, 0x5a)]);
    const code = await refusal(installAndActivateModel(dataDir, A, staged({ ...manifest, version: '4', sha256: createHash('sha256').update(junk).digest('hex'), bytes: junk.length }, junk)));
    expect(['MODEL_CORRUPT', 'PROVIDER_UNAVAILABLE', 'INTERNAL']).toContain(code);
    expect(activeModelManifest(dataDir, A)).toBe(bundled);
    const left = existsSync(join(dataDir, 'models')) ? readdirSync(join(dataDir, 'models')) : [];
    expect(left).toEqual([]);
  });

  it('the workstation-wide choice of earlier versions becomes each then-enrolled clinic’s own, and is removed', () => {
    const dataDir = temp('cw-model-');
    const dir = `${manifest['name'] as string}-legacy`;
    mkdirSync(join(dataDir, 'models', dir), { recursive: true });
    writeFileSync(join(dataDir, 'models', dir, 'model.json'), JSON.stringify({ ...manifest, version: 'legacy' }));
    writeFileSync(join(dataDir, 'models', 'active.json'), JSON.stringify({ version: 1, dir, installedAt: 1, provider: 'cpu' }));
    expect(adoptLegacyActiveModel(dataDir, [A, B])).toBe(2);
    expect(activeModelManifest(dataDir, A)).toBe(join(dataDir, 'models', dir, 'model.json'));
    expect(activeModelManifest(dataDir, B)).toBe(join(dataDir, 'models', dir, 'model.json'));
    expect(existsSync(join(dataDir, 'models', 'active.json'))).toBe(false);
    // A clinic enrolled later does not inherit it; adopting again changes nothing.
    expect(activeModelManifest(dataDir, 'clinicC0000000000000003')).toBe(bundled);
    expect(adoptLegacyActiveModel(dataDir, ['clinicC0000000000000003'])).toBe(0);
  });
});
