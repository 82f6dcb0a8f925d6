/**
 * `npm run release:verify -- <feed url> [--channel stable|pilot] [--platform linux|darwin|win32]
 *   [--arch x64] [--installed <version>] [--download <dir>]`
 * Reads a published feed exactly as the app does — signature against the keys this checkout pins,
 * channel rules, no downgrade from --installed — and, with --download, fetches the installer and
 * checks it against the signed SHA-512. Run it after publishing; exit 2 names what the app would refuse.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { checkForUpdate, downloadUpdateFile, nodeFetchBytes, nodeFetchStream, TRUSTED_RELEASE_KEYS, UpdateError, type UpdateChannel, type UpdatePlatform } from '../../main/updates/index';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { channel: { type: 'string', default: 'stable' }, platform: { type: 'string', default: process.platform }, arch: { type: 'string', default: process.arch }, installed: { type: 'string', default: '0.0.0' }, download: { type: 'string' } },
  });
  const feedUrl = positionals[0];
  if (!feedUrl) {
    console.error('release:verify: give the feed URL');
    return 2;
  }
  const check = await checkForUpdate({
    feedUrl,
    channel: values.channel as UpdateChannel,
    platform: values.platform as UpdatePlatform,
    arch: values.arch,
    trustedKeys: TRUSTED_RELEASE_KEYS,
    fetchBytes: nodeFetchBytes,
    installed: values.installed,
    installId: randomUUID(),
  });
  const u = check.update;
  console.log(`${u.file}: version ${u.version}, signed by ${u.keyName} (${u.keyId}), staging ${u.stagingPercentage ?? 100}% — ${check.status}`);
  if (values.download) {
    for (const f of u.files) console.log(`verified ${await downloadUpdateFile(f, values.download, nodeFetchStream)} (${f.size} bytes, SHA-512 as signed)`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`release:verify: ${error instanceof UpdateError ? `${error.code}: ` : ''}${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = error instanceof UpdateError ? 2 : 1;
  },
);
