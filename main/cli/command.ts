/** One `coherency <name>` sub-command. `run` returns the process exit code. */
export interface CliCommand {
  name: string;
  /** One line shown by `coherency --help`. */
  summary: string;
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** Minimal flag parser: `--flag value`, `--flag=value`, boolean `--flag`, positionals. */
export function parseArgs(args: string[], booleanFlags: readonly string[] = []): {
  positionals: string[];
  flags: Map<string, string | true>;
} {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      if (eq > 0) {
        flags.set(arg.slice(2, eq), arg.slice(eq + 1));
      } else {
        const name = arg.slice(2);
        const next = args[i + 1];
        if (!booleanFlags.includes(name) && next !== undefined && !next.startsWith('--')) {
          flags.set(name, next);
          i++;
        } else {
          flags.set(name, true);
        }
      }
    } else {
      positionals.push(arg);
    }
  }
  return { positionals, flags };
}
