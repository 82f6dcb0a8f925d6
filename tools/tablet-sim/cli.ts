/**
 * tablet-sim: a simulated clinic tablet, for trying the LAN receiver by hand and in tests.
 *
 *   npx tsx tools/tablet-sim/cli.ts pair --qr '<payload json>' --name 'Tablet 1' [--profile FILE]
 *   npx tsx tools/tablet-sim/cli.ts upload FILE (--mrn MRN | --worklist ID) [--wound ID] [--token T]
 *        [--profile FILE] [--qr '<payload json>'] [--chunk-size BYTES] [--state FILE] [--no-retry]
 *
 * `pair` pins the certificate fingerprint from the payload, pairs, and writes the profile (host,
 * port, fingerprint, device id, token; mode 600) that `upload` reads. `upload` keeps the upload URL
 * in a state file (default next to the profile) so a run that was cut off resumes where it stopped.
 * Progress goes to stderr; the result is one JSON line on stdout.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { pair, pairingPayloadSchema, uploadFile, type Profile, type ServerPin } from './client';

const DEFAULT_PROFILE = join(homedir(), '.coherency-tablet-sim', 'profile.json');

function usage(): never {
  process.stderr.write(
    [
      'usage:',
      "  tablet-sim pair --qr '<payload json>' --name 'Tablet 1' [--app NAME] [--profile FILE]",
      '  tablet-sim upload FILE (--mrn MRN | --worklist ID) [--wound ID] [--token T] [--profile FILE]',
      "                   [--qr '<payload json>'] [--chunk-size BYTES] [--state FILE] [--no-retry]",
      '',
    ].join('\n'),
  );
  process.exit(2);
}

async function readProfile(path: string): Promise<Partial<Profile>> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Partial<Profile>;
  } catch {
    return {};
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      qr: { type: 'string' },
      name: { type: 'string' },
      app: { type: 'string' },
      profile: { type: 'string' },
      token: { type: 'string' },
      mrn: { type: 'string' },
      worklist: { type: 'string' },
      wound: { type: 'string' },
      'chunk-size': { type: 'string' },
      state: { type: 'string' },
      'no-retry': { type: 'boolean' },
    },
  });
  const profilePath = values.profile ?? DEFAULT_PROFILE;

  if (command === 'pair') {
    if (!values.qr || !values.name) usage();
    const profile = await pair(values.qr, { deviceName: values.name, ...(values.app ? { app: values.app } : {}) });
    await mkdir(dirname(profilePath), { recursive: true });
    await writeFile(profilePath, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
    process.stderr.write(`paired as ${profile.deviceId}; profile written to ${profilePath}\n`);
    process.stdout.write(`${JSON.stringify({ deviceId: profile.deviceId, token: profile.token, profile: profilePath })}\n`);
    return 0;
  }

  if (command === 'upload') {
    const file = positionals[0];
    if (!file || (!values.mrn && !values.worklist)) usage();
    const saved = await readProfile(profilePath);
    const fromQr = values.qr ? pairingPayloadSchema.parse(JSON.parse(values.qr)) : null;
    const server: ServerPin | null = fromQr ?? (saved.host && saved.port && saved.fingerprint ? { host: saved.host, port: saved.port, fingerprint: saved.fingerprint } : null);
    const token = values.token ?? saved.token;
    if (!server || !token) {
      process.stderr.write(`no server or token: pair first (profile ${profilePath}) or pass --qr and --token\n`);
      return 2;
    }
    const chunkSize = values['chunk-size'] ? Number(values['chunk-size']) : undefined;
    if (chunkSize !== undefined && !(chunkSize > 0)) usage();
    let lastPct = -1;
    const result = await uploadFile(file, {
      server,
      token,
      metadata: {
        ...(values.mrn ? { patientMrn: values.mrn } : {}),
        ...(values.worklist ? { worklistId: values.worklist } : {}),
        ...(values.wound ? { woundId: values.wound } : {}),
      },
      ...(chunkSize ? { chunkSize } : {}),
      urlStoragePath: values.state ?? join(dirname(profilePath), 'uploads.json'),
      ...(values['no-retry'] ? { retryDelays: null } : {}),
      onProgress: (sent, total) => {
        const pct = Math.floor((sent / total) * 100);
        if (pct !== lastPct) {
          lastPct = pct;
          process.stderr.write(`progress ${sent}/${total} ${pct}%\n`);
        }
      },
    });
    process.stderr.write(result.resumedFrom > 0 ? `resumed from byte ${result.resumedFrom}\n` : 'uploaded\n');
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  }

  usage();
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`tablet-sim: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
