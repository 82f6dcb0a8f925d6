/**
 * `coherency` — the command line for IT and for checking files without the UI.
 * A composition root like `main/host` and `main/electron`: it wires services, nothing imports it.
 */
import { COMMANDS } from './commands';
import type { CliIo } from './command';

const io: CliIo = {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
};

function help(): void {
  io.out('usage: coherency <command> [options]\n');
  for (const c of COMMANDS) io.out(`  ${c.name.padEnd(16)} ${c.summary}`);
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    help();
    return name ? 0 : 1;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`coherency: unknown command "${name}"`);
    help();
    return 1;
  }
  if (rest.includes('--help')) {
    io.out(command.usage);
    return 0;
  }
  return command.run(rest, io);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    io.err(`coherency: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 70;
  },
);
