/**
 * `coherency fhir-export` writes a wound's course as a validated FHIR R4 bundle (with the signed
 * course PDF), as a doctor of the clinic (signed in with their password and, where the clinic's
 * policy asks for it, the code from their authenticator — `--code` or COHERENCY_CODE; audited like
 * the UI's export); `coherency fhir-import --check FILE` reads a bundle back and reports what it contains and
 * whether it validates — counts and kinds only, no patient values — so IT can check a file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Bundle } from '@medplum/fhirtypes';
import { createWorkstation } from '../app/index';
import { bundleProblems, summariseBundle } from '../reports/index';
import { createConsoleLogger } from '../shared/logger';
import { defaultDataDir } from '../shared/paths';
import { createKeytarKeyStore, type KeyStore } from '../vault/index';
import { parseArgs, type CliCommand, type CliIo } from './command';

async function readPassword(): Promise<string> {
  const fromEnv = process.env['COHERENCY_PASSWORD'];
  if (fromEnv) return fromEnv;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

export const fhirExportCommand: CliCommand = {
  name: 'fhir-export',
  summary: "write a wound's course as a validated FHIR R4 bundle (doctors; password from COHERENCY_PASSWORD or stdin, two-step code from --code or COHERENCY_CODE)",
  usage: 'coherency fhir-export --clinic CLINIC_ID --wound WOUND_ID --user USERNAME --out FILE [--code CODE] [--mrn-only]',
  async run(args, io) {
    const { flags } = parseArgs(args, ['mrn-only']);
    const [clinicId, woundId, user, out] = ['clinic', 'wound', 'user', 'out'].map((f) => flags.get(f));
    if (typeof clinicId !== 'string' || typeof woundId !== 'string' || typeof user !== 'string' || typeof out !== 'string') {
      io.err(`usage: ${this.usage}`);
      return 64;
    }
    const code = flags.get('code');
    return exportWithKeychain(
      { clinicId, woundId, user, out, mrnOnly: flags.has('mrn-only'), code: typeof code === 'string' ? code : (process.env['COHERENCY_CODE'] ?? null) },
      io,
      { dataDir: process.env['COHERENCY_DATA_DIR'] ?? defaultDataDir(), keyStore: createKeytarKeyStore() },
    );
  },
};

/** The export itself, with the data dir and keychain given (tests pass a keychain service of their own). */
export async function exportWithKeychain(
  { clinicId, woundId, user, out, mrnOnly, code = null }: { clinicId: string; woundId: string; user: string; out: string; mrnOnly: boolean; code?: string | null },
  io: CliIo,
  deps: { dataDir: string; keyStore: KeyStore; password?: string },
): Promise<number> {
    const workstation = createWorkstation({ dataDir: deps.dataDir, keyStore: deps.keyStore, logger: createConsoleLogger({ app: 'coherency-cli' }) });
    try {
      const clinic = await workstation.clinic(clinicId);
      const step = await clinic.auth.signIn(user, deps.password ?? (await readPassword()));
      if (step.status === 'enrol-second-factor') throw Object.assign(new Error('Set up two-step sign-in in the app first (the clinic asks for it for your role).'), { code: 'SECOND_FACTOR_NOT_SET_UP' });
      if (step.status === 'second-factor' && !code) throw Object.assign(new Error('This account signs in in two steps: give the code from your authenticator with --code or COHERENCY_CODE.'), { code: 'SECOND_FACTOR_REQUIRED' });
      const { token } = step.status === 'signed-in' ? step.signedIn : await clinic.auth.completeSignIn(step.challenge, code!);
      try {
        const { actor } = clinic.auth.authorize(token, 'reports.export');
        const { bundle } = await clinic.reports.fhirBundle({ woundId, includeNameAndBirthDate: !mrnOnly }, actor);
        writeFileSync(out, JSON.stringify(bundle, null, 2), { mode: 0o600 });
        const s = summariseBundle(bundle);
        io.out(`wrote ${out}: ${Object.entries(s.resources).map(([k, v]) => `${v} ${k}`).join(', ')}`);
        return 0;
      } finally {
        clinic.auth.logout(token);
      }
    } catch (error) {
      const e = error as { code?: string; message?: string };
      io.err(JSON.stringify({ error: { code: e.code ?? 'FAILED', message: e.message ?? String(error) } }));
      return 2;
    } finally {
      await workstation.dispose();
    }
}

export const fhirImportCommand: CliCommand = {
  name: 'fhir-import',
  summary: 'read a FHIR R4 wound bundle back: what it contains and whether it validates (--check; nothing is imported)',
  usage: 'coherency fhir-import --check FILE [--json]',
  async run(args, io) {
    const { positionals, flags } = parseArgs(args, ['check', 'json']);
    const file = positionals[0];
    if (!flags.has('check') || !file) {
      io.err(`usage: ${this.usage} (only --check exists: the workstation imports no FHIR data)`);
      return 64;
    }
    let bundle: Bundle;
    try {
      bundle = JSON.parse(readFileSync(file, 'utf8')) as Bundle;
    } catch (error) {
      io.err(JSON.stringify({ error: { code: 'NOT_JSON', message: `${file} is not a readable JSON file (${(error as Error).name})` } }));
      return 2;
    }
    if (!bundle || bundle.resourceType !== 'Bundle') {
      io.err(JSON.stringify({ error: { code: 'NOT_A_BUNDLE', message: 'The file is not a FHIR Bundle (resourceType).' } }));
      return 2;
    }
    const problems = bundleProblems(bundle);
    const summary = summariseBundle(bundle);
    if (flags.has('json')) io.out(JSON.stringify({ valid: problems.length === 0, problems, ...summary }));
    else {
      io.out(`FHIR R4 Bundle (${summary.type}): ${Object.entries(summary.resources).map(([k, v]) => `${v} ${k}`).join(', ') || 'empty'}`);
      io.out(`assessments (wound size panels): ${summary.assessments}`);
      for (const [k, v] of Object.entries(summary.measures)) io.out(`  ${v} × ${k}`);
      for (const d of summary.documents) io.out(`document: ${d.contentType}, ${d.bytes} bytes, "${d.title}"`);
      io.out(problems.length === 0 ? 'valid: R4 definitions and the wound export’s codes and units' : `INVALID (${problems.length} problems):`);
      for (const p of problems) io.out(`  ${p}`);
    }
    return problems.length === 0 ? 0 : 2;
  },
};
