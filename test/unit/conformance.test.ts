// Quadlet's own golden cases (../shared/quadlet-cases, see its README): finit-pods must turn at
// least 95% of them into the podman command line Quadlet produces.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const checker = resolve(root, '../shared/quadlet-cases/conformance.mjs');
const MIN = 0.95;

/** Newest modification time under a directory. */
function newest(dir: string): number {
  let m = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    m = Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return m;
}

/** Builds dist/ when it is missing or older than src/ (npm test builds before running tap). */
function ensureBuilt(): void {
  const main = join(root, 'dist/cli/main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newest(join(root, 'src'))) return;
  spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
}

t.test(`Quadlet golden cases: at least ${MIN * 100}% pass`, async (t) => {
  if (!existsSync(checker)) {
    t.fail(`the conformance checker is missing: ${checker}`);
    return;
  }
  ensureBuilt();
  const r = spawnSync(process.execPath, [checker, '--verbose'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 600_000,
  });
  t.equal(r.status, 0, `checker exit status\n${r.stderr}`);
  const m = r.stdout.match(/cases: (\d+)\/(\d+) pass/);
  t.ok(m, `a summary line in the checker's output:\n${r.stdout}`);
  if (!m) return;
  const [pass, total] = [Number(m[1]), Number(m[2])];
  t.ok(total >= 50, `the checker ran the cases (${total})`);
  t.ok(
    pass / total >= MIN,
    `${pass}/${total} = ${((100 * pass) / total).toFixed(1)}% (need ${MIN * 100}%); failing:\n${r.stdout}`,
  );
});
