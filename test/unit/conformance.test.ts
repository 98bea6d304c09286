// Quadlet's own golden cases for every unit kind (../shared/quadlet-suite, see its README):
// finit-pods must turn at least 95% of them into the podman commands Quadlet produces, and at
// least 90% of each kind's.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import t from 'tap';
import { ensureBuilt, ROOT } from '../helpers/build.js';

const root = ROOT;
const checker = resolve(root, '../shared/quadlet-suite/conformance.mjs');
const MIN = 0.95;
const MIN_KIND = 0.9;

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
  const kinds = [...r.stdout.matchAll(/(\w+) (\d+)\/(\d+) \(\d+%\)/g)];
  t.equal(kinds.length, 8, `a figure for each of the 8 kinds:\n${r.stdout}`);
  for (const [, kind, p, n] of kinds)
    t.ok(Number(p) / Number(n) >= MIN_KIND, `${kind}: ${p}/${n} (need ${MIN_KIND * 100}%)`);
});
