// Issue 14's fuzz suite, a few thousand cases of it (tools/stress/fuzz.mjs runs the full
// 100,000): generated and mutated unit files of every kind through the built translator, the
// `check` command and the sync engine. No crash or hang, every rejection names its FILE (and
// LINE), bad bytes and oversized files are rejected, and translation is deterministic.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';

const ROOT = join(import.meta.dirname, '..', '..');

interface Summary {
  cases: number;
  seed: number;
  crashes: number;
  hangs: number;
  unreported: number;
  nondeterministic: number;
  missedRejections: number;
  controlsAffected: number;
  cliFailures: number;
  syncFailures: number;
  cliRuns: number;
  syncRuns: number;
  expectedBad: { size: number; nul: number; utf8: number };
}

t.test('fuzz: 3,000 unit files with a fixed seed', async (t) => {
  const r = spawnSync(process.execPath, [join(ROOT, 'tools/stress/fuzz.mjs')], {
    env: { ...process.env, FUZZ_CASES: '3000', FUZZ_SEED: '1', FUZZ_JSON: '1' },
    encoding: 'utf8',
    timeout: 180_000,
    maxBuffer: 1 << 28,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{"fuzz"'));
  if (!line) {
    t.fail(`no summary from fuzz.mjs (exit ${r.status}, signal ${r.signal}): ${r.stderr.slice(-2000)}`);
    return;
  }
  const s = (JSON.parse(line) as { fuzz: Summary }).fuzz;
  // what each failed figure was about, for whoever reads a red run
  const details = r.stderr.slice(0, 20_000);
  t.ok(s.cases >= 3000, `${s.cases} unit files`);
  t.ok(s.cliRuns >= 1 && s.syncRuns >= 1, 'the command and the sync engine ran on a batch each');
  t.ok(
    s.expectedBad.nul > 0 && s.expectedBad.utf8 > 0 && s.expectedBad.size > 0,
    'bad bytes and huge files made',
  );
  t.equal(s.crashes, 0, 'no crash', { details });
  t.equal(s.hangs, 0, 'no hang', { details });
  t.equal(s.unreported, 0, 'every rejected unit has an error naming its FILE and a LINE', { details });
  t.equal(s.nondeterministic, 0, 'the same input gives the same output', { details });
  t.equal(s.missedRejections, 0, 'NUL, invalid UTF-8 and files over 64 KiB are rejected where they are', {
    details,
  });
  t.equal(s.controlsAffected, 0, 'a bad unit never changes another unit of its directory', { details });
  t.equal(s.cliFailures, 0, 'check exits 0 or 1 and prints only FILE[:LINE]: severity: lines', { details });
  t.equal(s.syncFailures, 0, 'sync writes only well-formed stanzas', { details });
  t.equal(r.status, 0, 'fuzz.mjs met every target');
});
