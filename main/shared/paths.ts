import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the workstation keeps its data when nothing else is said: the platform's per-user
 * application-data folder (Electron's `app.getPath('userData')` agrees on each OS).
 * `COHERENCY_DATA_DIR` overrides it (tests, several profiles side by side).
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['COHERENCY_DATA_DIR']) return env['COHERENCY_DATA_DIR'];
  const app = 'Coherency Workstation';
  switch (process.platform) {
    case 'win32':
      return join(env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), app);
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', app);
    default:
      return join(env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config'), app);
  }
}
