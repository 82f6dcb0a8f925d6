/**
 * Installing a clinic's own wound model as the admin screen does it: manifest, then the .onnx in
 * chunks into a staging folder, then verified and made active (audited); refusals change nothing
 * and staging folders do not stay behind.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClinicRecord, listAudit } from '../records/index';
import { createMemoryLogger } from '../shared/logger';
import { createModelInstaller } from './model-install';
import { bundledModelManifest } from './segmentation/index';

const LONG = 120_000;
const bundled = bundledModelManifest();
const manifestText = readFileSync(bundled, 'utf8');
const manifest = JSON.parse(manifestText) as { file: string; name: string; version: string; bytes: number };
const onnx = readFileSync(join(bundled, '..', manifest.file));
const dataDir = mkdtempSync(join(tmpdir(), 'cw-model-install-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const logger = createMemoryLogger();
const created = createClinicRecord({ file: join(dataDir, 'record.db'), key: randomBytes(32), clinicId: randomUUID(), clinicName: 'Model Clinic', logger });
if (!created.ok) throw created.error;
const record = created.record;
afterAll(() => record.dispose());
const by = { clinicId: 'clinic-1', record, actor: { id: 'admin-1', roles: ['it-admin'] } };

const stagingDirs = () => (existsSync(join(dataDir, 'models')) ? readdirSync(join(dataDir, 'models')).filter((n) => n.startsWith('.upload-')) : []);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (error) {
    return (error as { code?: string }).code ?? 'THROWN';
  }
}

describe('model installer', () => {
  const models = createModelInstaller({ dataDir, logger });

  it('installs a model uploaded in chunks, makes it active and audits it; the staging folder goes', async () => {
    expect(models.active('clinic-1').source).toBe('bundled');
    const { uploadId, chunkBytes, file } = await models.beginInstall('win-1', manifestText, onnx.length);
    expect(file).toBe(manifest.file);
    const step = Math.min(chunkBytes, 1024 * 1024);
    for (let offset = 0; offset < onnx.length; offset += step) await models.uploadChunk('win-1', uploadId, offset, onnx.subarray(offset, offset + step));
    const info = await models.install('win-1', uploadId, by);
    expect(info.source).toBe('installed');
    expect(models.active('clinic-1')).toMatchObject({ source: 'installed', manifest: { name: manifest.name, version: manifest.version } });
    expect(stagingDirs()).toEqual([]);
    expect(listAudit(record, { entity: 'settings' }).map((r) => r.action)).toContain('model.install');

    expect((await models.useBundled(by)).source).toBe('bundled');
    expect(listAudit(record, { entity: 'settings' }).map((r) => r.action)).toContain('model.use_bundled');
  }, LONG);

  it('refuses a size the manifest contradicts, another window, an unfinished upload and a tampered file', async () => {
    expect(await codeOf(models.beginInstall('win-1', manifestText, onnx.length + 1))).toBe('MODEL_SHA256_MISMATCH');
    expect(await codeOf(models.beginInstall('win-1', '{"not":"a manifest"}', 10))).toBe('MANIFEST_INVALID');
    expect(stagingDirs()).toEqual([]);

    const { uploadId } = await models.beginInstall('win-1', manifestText, onnx.length);
    expect(await codeOf(models.uploadChunk('win-2', uploadId, 0, onnx.subarray(0, 10)))).toBe('UPLOAD_NOT_FOUND');
    await models.uploadChunk('win-1', uploadId, 0, onnx.subarray(0, 10));
    expect(await codeOf(models.install('win-1', uploadId, by))).toBe('UPLOAD_INCOMPLETE');
    const tampered = Buffer.from(onnx);
    tampered[tampered.length - 1]! ^= 0xff;
    await models.uploadChunk('win-1', uploadId, 10, tampered.subarray(10));
    expect(await codeOf(models.install('win-1', uploadId, by))).toBe('MODEL_SHA256_MISMATCH');
    expect(models.active('clinic-1').source).toBe('bundled');
    expect(stagingDirs()).toEqual([]);
  }, LONG);
});
