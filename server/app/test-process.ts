/**
 * Real processes for the tests: the service (`server/main.ts` on node with tsx's loader, as `npm run server`
 * runs it) and the SMTP sink. Each prints a JSON line when it listens; this waits for it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface Running {
  child: ChildProcess;
  /** Every JSON line it printed (the service's logs). */
  lines: Array<Record<string, unknown>>;
  /** kill -9 */
  kill(): void;
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

function start(args: string[], env: NodeJS.ProcessEnv, ready: (line: Record<string, unknown>) => boolean, timeoutMs = 60_000): Promise<Running & { first: Record<string, unknown> }> {
  // node itself with tsx's loader, not the tsx CLI (a wrapper: its SIGKILL would leave the service running).
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not start in ${timeoutMs} ms: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    let buffer = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const text = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          const line = JSON.parse(text) as Record<string, unknown>;
          lines.push(line);
          if (ready(line)) {
            clearTimeout(timer);
            resolve({
              child,
              lines,
              first: line,
              exited,
              kill: () => void child.kill('SIGKILL'),
              stop: async () => {
                if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
                await exited;
              },
            });
          }
        } catch {
          // not a JSON line
        }
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-8000)));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (${code}) before it listened: ${stderr.slice(-2000)}`));
    });
  });
}

export async function startServiceProcess(env: NodeJS.ProcessEnv, timeoutMs?: number): Promise<Running & { url: string; port: number }> {
  const r = await start(['server/main.ts'], { PLAIN_HTTP: '1', HOST: '127.0.0.1', PORT: '0', ...env }, (l) => l['event'] === 'server.listening', timeoutMs);
  return Object.assign(r, { url: String(r.first['url']), port: Number(r.first['port']) });
}

export async function startSmtpSink(outFile: string): Promise<Running & { port: number }> {
  const r = await start(['server/reminders/smtp-sink.fixture.ts', outFile], {}, (l) => typeof l['port'] === 'number');
  return Object.assign(r, { port: Number(r.first['port']) });
}
