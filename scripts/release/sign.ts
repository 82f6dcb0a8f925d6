/**
 * `npm run release:sign -- <release dir> [--keychain <name>[,<name>]] [--staging <0-100>]`
 *   Signs every latest*.yml / pilot*.yml electron-builder wrote in <release dir> with the project's
 *   Ed25519 release key(s), writing <file>.sig beside each. `--staging` sets the staged-rollout
 *   percentage in the metadata first (0 halts a rollout). Keys come from COHERENCY_RELEASE_KEY
 *   (comma-separated, for a rotation) and/or the OS keychain (service "Coherency Release Signing"),
 *   never from a file in the repository.
 * `npm run release:sign -- --new-key <name>`
 *   Creates a release key in this machine's keychain and prints the entry to pin in
 *   main/updates/trusted-keys.ts.
 */
import { parseArgs } from 'node:util';
import { createKeytarKeyStore } from '../../main/vault/index';
import { createReleaseKey, loadSigningKeys, RELEASE_KEYCHAIN_SERVICE, signReleaseDir, UpdateError } from '../../main/updates/index';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { keychain: { type: 'string' }, staging: { type: 'string' }, 'new-key': { type: 'string' }, help: { type: 'boolean' } },
  });
  const keyStore = () => createKeytarKeyStore({ service: RELEASE_KEYCHAIN_SERVICE });
  if (values.help) {
    console.log('usage: npm run release:sign -- <release dir> [--keychain name[,name]] [--staging 0-100]\n       npm run release:sign -- --new-key <name>');
    return 0;
  }
  if (values['new-key']) {
    const { trusted, keyId } = await createReleaseKey(values['new-key'], keyStore());
    console.log(`Created release key ${trusted.name} (id ${keyId}) in the keychain (service "${RELEASE_KEYCHAIN_SERVICE}").`);
    console.log('Pin it in main/updates/trusted-keys.ts:');
    console.log(`  { name: '${trusted.name}', publicKey: '${trusted.publicKey}' },`);
    return 0;
  }
  const dir = positionals[0];
  if (!dir || positionals.length > 1) {
    console.error('release:sign: name one release folder (e.g. release/1.4.0)');
    return 2;
  }
  const keychainNames = (values.keychain ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const keys = await loadSigningKeys({ env: process.env, keychainNames, ...(keychainNames.length ? { keyStore: keyStore() } : {}) });
  const staging = values.staging === undefined ? undefined : Number(values.staging);
  if (staging !== undefined && !(Number.isInteger(staging) && staging >= 0 && staging <= 100)) {
    console.error('release:sign: --staging takes a whole number from 0 to 100');
    return 2;
  }
  for (const s of signReleaseDir(dir, keys, staging === undefined ? {} : { stagingPercentage: staging })) {
    console.log(`signed ${s.file} (version ${s.version}${s.stagingPercentage === null ? '' : `, staging ${s.stagingPercentage}%`}) with ${s.keyIds.join(', ')}`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`release:sign: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = error instanceof UpdateError ? 2 : 1;
  },
);
