// Quadlet's own golden cases (../shared/quadlet-cases, see its README): finit-pods must turn at
// least 95% of them into the podman command line Quadlet produces.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import t from 'tap';
import { ensureBuilt, ROOT } from '../helpers/build.js';

const root = ROOT;
const checker = resolve(root, '../shared/quadlet-cases/conformance.mjs');
const MIN = 0.95;

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
