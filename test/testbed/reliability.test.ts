// Reliability on the real stack, the bounded part of `npm run stress` (issue 14), on every stack
// (FINIT_PODS_STACKS), each in sandboxes of its own: tools/stress/stack.mjs with small sizes
// (a few kills, a short write storm, each fault once, two power cuts, two syncs at once), its
// figures asserted here.
//   - kill -9 of the daemon while it applies: never a partial stanza, each restart converges to
//     the exact state (what a sync would write, and Finit reloaded after it), pods that did not
//     change keep their containers;
//   - a write storm: a bounded number of reloads, every pod running its final unit;
//   - faults (podman failing and hanging, initctl failing, ENOSPC, a read-only finit dir, the
//     units dir removed, a corrupt run dir, a missing image): no running pod stopped, the fault
//     reported, and once cleared the state converges with no command sent;
//   - power cuts with pods running: all back each time, none crashed.
// Needs root and a build (dist/).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { REPO_DIR, type Stack, stacksFromEnv } from '../helpers/testbed.js';

const CLI = path.join(REPO_DIR, 'dist', 'cli', 'launch.cjs');
const STACK_MJS = path.join(REPO_DIR, 'tools', 'stress', 'stack.mjs');
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);

/** The bounded sizes: a few minutes per stack. */
const SIZES = {
  STRESS_KILLS: '10',
  STRESS_EDITS: '200',
  STRESS_STORM_UNITS: '10',
  STRESS_POWERCUTS: '2',
  STRESS_PODS: '4',
  STRESS_FAULT_HOLD_MS: '4000',
  STRESS_HANG_MS: '70000',
};
const RELOADS_MAX = 10;

interface FaultRow {
  name: string;
  stoppedWrongly: number;
  reported: string;
  convergedMs?: number;
  exact: boolean;
  syncCode?: number;
  notes: string[];
}
interface Results {
  stack: Stack;
  lines: string[];
  results: {
    kill?: {
      error?: string;
      kills: number;
      orphans: string[];
      leftTmp: string[];
      partial: number;
      converged: number;
      restarted: number;
      fullOk: number;
      fullN: number;
      failures: string[];
      partials: string[];
    };
    storm?: { error?: string; edits: number; reloads: number; exact: boolean; why?: string };
    faults?: FaultRow[] | { error: string };
    powercut?: { error?: string; cuts: number; back: number; crashed: number; notes: string[] };
    lock?: { error?: string; waited: boolean; first: number; second: number; fresh: number };
  };
}

function runStack(stack: Stack, out: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [STACK_MJS],
      {
        encoding: 'utf8',
        timeout: 25 * 60_000,
        maxBuffer: 1 << 24,
        env: { ...process.env, ...SIZES, STRESS_STACK: stack, STRESS_NAME: 'rel', STRESS_RESULTS: out },
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

// Stacks run in parallel (each its own sandboxes); a real podman hang outlasts podman's own
// timeout, so a stack takes several minutes, more than the runner's default for a file.
t.jobs = 2;
t.setTimeout(30 * 60_000);

for (const stack of stacksFromEnv()) {
  t.test(stack, async (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fp-reliability-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const out = path.join(dir, 'results.json');
    const run = await runStack(stack, out);
    t.comment(run.stdout.trim());
    t.ok(existsSync(out), `stack.mjs wrote its figures (exit ${run.code}) ${run.stderr.slice(-1500)}`);
    if (!existsSync(out)) return;
    const { results } = JSON.parse(readFileSync(out, 'utf8')) as Results;

    t.test('kill -9 while applying', async (t) => {
      const k = results.kill;
      t.ok(k && !k.error, `ran ${k?.error ?? ''}`);
      if (!k || k.error) return;
      t.equal(k.partial, 0, `no partial or invalid stanza right after a kill ${k.partials.join('; ')}`);
      t.equal(k.converged, k.kills, `every restart converged to the exact state ${k.failures.join('; ')}`);
      t.equal(k.fullOk, k.fullN, "with pods' containers on their stanzas' hash");
      t.equal(k.restarted, 0, 'pods that did not change kept their containers');
      t.same(k.orphans, [], 'no pod-NAME.argv left without its .conf');
      t.same(k.leftTmp, [], 'no temporary file left once the daemon is back');
    });

    t.test('write storm', async (t) => {
      const s = results.storm;
      t.ok(s && !s.error, `ran ${s?.error ?? ''}`);
      if (!s || s.error) return;
      t.ok(
        s.reloads >= 1 && s.reloads <= RELOADS_MAX,
        `${s.edits} edits: 1..${RELOADS_MAX} reloads (${s.reloads})`,
      );
      t.ok(s.exact, `the exact final state ${s.why ?? ''}`);
    });

    t.test('faults', async (t) => {
      const f = results.faults;
      t.ok(Array.isArray(f), `ran ${Array.isArray(f) ? '' : f?.error}`);
      if (!Array.isArray(f)) return;
      for (const r of f) {
        t.test(r.name, async (t) => {
          t.equal(r.stoppedWrongly, 0, 'no running pod stopped');
          t.ok(r.reported, `reported: ${r.reported}`);
          t.ok(r.convergedMs !== undefined, 'converged once cleared, with no command sent');
          t.ok(r.exact, 'the exact state afterwards');
          t.same(r.notes, [], 'nothing else wrong (stanzas whole and kept, no reload, sync failed)');
        });
      }
    });

    t.test('one sync at a time', async (t) => {
      const l = results.lock;
      t.ok(l && !l.error, `ran ${l?.error ?? ''}`);
      if (!l || l.error) return;
      t.ok(l.waited, 'a second sync waits while the first holds the lock');
      t.same([l.first, l.second], [0, 0], 'both then succeed');
      t.equal(l.fresh, 0, 'a sync before its run dir exists succeeds');
    });

    t.test('power cuts', async (t) => {
      const p = results.powercut;
      t.ok(p && !p.error, `ran ${p?.error ?? ''}`);
      if (!p || p.error) return;
      t.equal(p.back, p.cuts, `all pods back after each of ${p.cuts} power cuts ${p.notes.join('; ')}`);
      t.equal(p.crashed, 0, 'no pod crashed');
    });
  });
}
