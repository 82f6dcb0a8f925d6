/**
 * electron-builder.yml (and the Azure Trusted Signing variant) against electron-builder's own JSON
 * schema, unknown keys refused, plus what the schema cannot say: every fuse, signing and
 * notarisation on, every native module and the models outside the asar.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { productionPackages } from './production-deps';

const ROOT = join(import.meta.dirname, '..', '..');
const readYaml = (file: string): Record<string, unknown> => load(readFileSync(join(ROOT, file), 'utf8')) as Record<string, unknown>;

/** electron-builder's own schema (draft-07); it says `additionalProperties: false` at every level we use. */
function schemaValidator(): ValidateFunction {
  const schema = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'app-builder-lib', 'scheme.json'), 'utf8')) as object;
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}
const validate = schemaValidator();
const errorsOf = (config: unknown): string[] => (validate(config) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`));

const config = readYaml('electron-builder.yml');
type Section = Record<string, unknown>;
const section = (name: string): Section => config[name] as Section;

describe('electron-builder.yml', () => {
  it.each(['electron-builder.yml', 'electron-builder.azure.yml'])('%s is valid against app-builder-lib/scheme.json', (file) => {
    expect(errorsOf(readYaml(file))).toEqual([]);
  });

  it('the schema check refuses unknown keys, at the top and inside a section (so a typo cannot pass silently)', () => {
    expect(errorsOf({ ...config, electronFuse: { runAsNode: false } })).toEqual([expect.stringContaining('additionalProperty')]);
    expect(errorsOf({ ...config, win: { ...section('win'), publisherName: 'CN=x' } })).toEqual(expect.arrayContaining([expect.stringContaining('additionalProperty')]));
    expect(errorsOf({ ...config, electronFuses: { ...section('electronFuses'), runAsNodee: false } }).length).toBeGreaterThan(0);
  });

  it('burns every fuse the issue names', () => {
    expect(config['electronFuses']).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
      loadBrowserProcessSpecificV8Snapshot: false,
    });
    expect(config['asar']).toBe(true); // the asar the integrity check and onlyLoadAppFromAsar protect
  });

  it('Windows: NSIS, signing forced, updates verified against a full-DN publisher (also with Azure Trusted Signing)', () => {
    const win = section('win');
    expect(win['target']).toEqual(['nsis']);
    expect(win['forceCodeSigning']).toBe(true);
    expect(win['verifyUpdateCodeSignature']).toBe(true);
    const fullDn = /^CN=[^,]+(, ?(O|OU|L|S|ST|C)=[^,]+)+$/;
    const names = (win['signtoolOptions'] as Section)['publisherName'] as string[];
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(n).toMatch(fullDn);
    const azure = readYaml('electron-builder.azure.yml');
    expect(azure['extends']).toBe('./electron-builder.yml');
    const azureWin = azure['win'] as Section;
    expect(azureWin['forceCodeSigning']).toBe(true);
    expect((azureWin['azureSignOptions'] as Section)['publisherName']).toMatch(fullDn);
    expect((azureWin['azureSignOptions'] as Section)['publisherName']).toBe(names[0]);
  });

  it('macOS: DMG, hardened runtime, entitlements present, notarised, signing forced', () => {
    const mac = section('mac');
    expect(mac['target']).toEqual(['dmg', 'zip']);
    expect(mac).toMatchObject({ hardenedRuntime: true, notarize: true, forceCodeSigning: true });
    for (const key of ['entitlements', 'entitlementsInherit']) expect(existsSync(join(ROOT, mac[key] as string))).toBe(true);
  });

  it('Linux: AppImage and deb', () => {
    expect(section('linux')['target']).toEqual(['AppImage', 'deb']);
  });

  it('updates from a generic feed with the stable (latest) and pilot channels', () => {
    expect(config['publish']).toMatchObject({ provider: 'generic', channel: 'latest' });
    expect(String((config['publish'] as Section)['url'])).toMatch(/^https:\/\//);
    expect(config).toMatchObject({ detectUpdateChannel: true, generateUpdatesFilesForAllChannels: true });
  });

  it('unpacks every production dependency that holds a native module, and the models, from the asar', () => {
    const unpacked = config['asarUnpack'] as string[];
    const hasNodeBinary = (dir: string, depth = 0): boolean =>
      depth < 6 &&
      readdirSync(dir, { withFileTypes: true }).some((e) => (e.isFile() && e.name.endsWith('.node')) || (e.isDirectory() && e.name !== 'node_modules' && hasNodeBinary(join(dir, e.name), depth + 1)));
    const native = productionPackages(ROOT).filter((p) => existsSync(join(ROOT, p.path)) && hasNodeBinary(join(ROOT, p.path)));
    expect(native.map((p) => p.name).sort()).toEqual(['better-sqlite3-multiple-ciphers', 'keytar', 'onnxruntime-node']);
    for (const p of native) expect(unpacked).toContain(`${p.path}/**`);
    expect(unpacked).toContain('native-models/**');
    expect(config['files']).toEqual(expect.arrayContaining(['out/**', 'native-models/**/*.{onnx,json,md}']));
  });
});
