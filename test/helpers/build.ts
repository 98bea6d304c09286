// The built CLI for tests that run it as a user does: paths, and a build when dist/ is missing
// or older than src/ (npm test builds before tap, but a single test file may run alone).

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const MAIN = join(ROOT, 'dist/cli/main.js');
/** The installed command (package.json bin): the bundle, compiled from its code cache. */
export const BIN = join(ROOT, 'dist/cli/launch.cjs');
export const BUNDLE = join(ROOT, 'dist/finit-pods.cjs');

/** Newest modification time under a directory. */
function newest(dir: string): number {
  let m = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    m = Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return m;
}

export function ensureBuilt(): void {
  if (!(existsSync(MAIN) && statSync(MAIN).mtimeMs >= newest(join(ROOT, 'src'))))
    spawnSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  if (!(existsSync(BUNDLE) && statSync(BUNDLE).mtimeMs >= newest(join(ROOT, 'dist', 'cli'))))
    spawnSync(process.execPath, ['tools/bundle.mjs'], { cwd: ROOT, stdio: 'inherit' });
}
