/**
 * The packages a built app ships: the closure of package.json's `dependencies` (and their optional
 * dependencies) through package-lock.json, resolved the way Node resolves them (nearest
 * node_modules upwards). Dev-only packages (electron, the build and test tools) are not in it, nor
 * are peer dependencies (electron-builder leaves `electron` out of the app; the others are the
 * app's own dependencies already).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface LockEntry {
  version?: string;
  license?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

export interface ProductionPackage {
  /** Path in the tree, e.g. `node_modules/keytar` or `node_modules/a/node_modules/b`. */
  path: string;
  name: string;
  version: string;
}

/** `node_modules/a/node_modules/@s/b` → `@s/b`. */
export function nameOf(path: string): string {
  const i = path.lastIndexOf('node_modules/');
  return path.slice(i + 'node_modules/'.length);
}

export function productionPackages(root: string): ProductionPackage[] {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const found = new Map<string, ProductionPackage>();
  /** Node's lookup: `<from>/node_modules/<name>`, then each parent's. */
  const resolve = (from: string, name: string): string | null => {
    let base = from;
    for (;;) {
      const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
      if (lock.packages[candidate]) return candidate;
      if (!base) return null;
      const cut = base.lastIndexOf('/node_modules/');
      base = cut < 0 ? '' : base.slice(0, cut);
    }
  };
  const visit = (from: string, names: Iterable<string>, optional: boolean) => {
    for (const name of names) {
      const path = resolve(from, name);
      if (!path) {
        if (optional) continue; // an optional dependency for another platform
        throw new Error(`package-lock.json has no ${name} (needed by ${from || 'package.json'}): run npm install`);
      }
      if (found.has(path)) continue;
      const entry = lock.packages[path]!;
      found.set(path, { path, name: nameOf(path), version: entry.version ?? '0.0.0' });
      visit(path, Object.keys(entry.dependencies ?? {}), false);
      visit(path, Object.keys(entry.optionalDependencies ?? {}), true);
    }
  };
  visit('', Object.keys(pkg.dependencies ?? {}), false);
  return [...found.values()].sort((a, b) => a.path.localeCompare(b.path));
}
