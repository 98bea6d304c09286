// Golden files: what a sync of examples/ writes (pod-NAME.conf, pod-NAME.argv, finit-pods-run),
// one directory per Finit version in test/golden/, compared byte for byte, so any change to the
// output is a reviewed diff. After an intended change, rewrite them and review the diff:
//   UPDATE_GOLDEN=1 npx tap test/unit/golden.test.ts
// They come from planSync, the plan `finit-pods sync` carries out, with fixed paths (stanza
// directory /etc/finit.d/enabled, /usr/bin/podman, /sbin/initctl) and the units directory named
// `examples`, relative to the repository, so they do not depend on where it is checked out.

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { planSync } from '../../src/apply/sync-plan.js';
import { formatDiagnostic } from '../../src/lib/diagnostics.js';
import { translateDir } from '../../src/model/translate.js';
import { finitCaps } from '../../src/render/finit.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const golden = join(root, 'test', 'golden');
const update = process.env.UPDATE_GOLDEN === '1';
const paths = { stanzaDir: '/etc/finit.d/enabled', podman: '/usr/bin/podman', initctl: '/sbin/initctl' };

// One version per set of capabilities, as the testbed runs them: 4.2 (Debian bookworm: usr/
// conditions set by the runner, no unlimited restart), 4.12 (trixie), 4.14 (the finit414 stack:
// 300 s kill delays, long arguments), 4.15 (64-byte IDs, as on Infix).
const VERSIONS = ['4.2', '4.12', '4.14', '4.15'];

/** File name → text of everything a first sync of examples/ writes to the stanza directory. */
function render(version: string): Map<string, string> {
  const caps = finitCaps(version);
  // relative, so the files name examples/NAME wherever the repository is
  process.chdir(root);
  const { results } = translateDir('examples', { maxPodName: caps.maxId });
  const onDisk = {
    stanzas: new Map(),
    resources: {},
    archives: new Map(),
    inputs: new Map(),
    reloadPending: false,
  };
  const plan = planSync(results, onDisk, caps, paths, 'none');
  const problems = plan.reports.flatMap((r) => r.diagnostics.map(formatDiagnostic));
  if (problems.length > 0)
    throw new Error(`examples/ is not clean on Finit ${version}:\n${problems.join('\n')}`);
  const out = new Map<string, string>();
  for (const w of [...plan.pods.flatMap((p) => p.files), ...(plan.runner ? [plan.runner] : [])]) {
    if (dirname(w.path) !== paths.stanzaDir) throw new Error(`${w.path} is outside ${paths.stanzaDir}`);
    out.set(basename(w.path), w.content);
  }
  return out;
}

t.test('the Finit versions have capabilities of their own', async (t) => {
  const caps = VERSIONS.map((v) => JSON.stringify({ ...finitCaps(v), version: '' }));
  t.equal(new Set(caps).size, VERSIONS.length);
});

for (const version of VERSIONS) {
  t.test(`Finit ${version}: test/golden/${version}/ is what sync writes for examples/`, async (t) => {
    const dir = join(golden, version);
    const want = render(version);
    t.ok(want.has('finit-pods-run') && [...want.keys()].some((f) => f.endsWith('.conf')), 'pods and runner');
    if (update) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      for (const [name, text] of want) writeFileSync(join(dir, name), text);
    }
    t.same(readdirSync(dir).sort(), [...want.keys()].sort(), 'the same files');
    for (const [name, text] of want) {
      let have: string | undefined;
      try {
        have = readFileSync(join(dir, name), 'utf8');
      } catch {
        have = undefined;
      }
      t.equal(have, text, `${version}/${name}, byte for byte (UPDATE_GOLDEN=1 rewrites it)`);
    }
  });
}
