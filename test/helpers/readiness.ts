// Readiness on a real stack: a pod that waits for another (Requires=, After=) does not run until
// that one is ready, and starts once it is. Shared by the Notify=healthy and Notify=true tests.

import type { Test } from 'tap';
import type { Testbed } from './testbed.js';

/** A container's start time (ms since the epoch), from podman. */
export async function startedAt(tb: Testbed, name: string): Promise<number> {
  const out = (await tb.podman('inspect', '--format', '{{.State.StartedAt}}', name)).stdout.trim();
  // Go's time format: 2026-01-01 00:00:00.123456789 +0000 UTC
  const m = /^(\S+) (\d+:\d+:\d+(?:\.\d+)?) ([+-]\d{4})/.exec(out);
  if (!m) throw new Error(`cannot read the start time of ${name}: ${out}`);
  return Date.parse(`${m[1]}T${m[2]!.replace(/(\.\d{3})\d*/, '$1')}${m[3]!.slice(0, 3)}:${m[3]!.slice(3)}`);
}

/** Waits for pod:NAME to run with a container, and returns that container's start time. */
async function runs(tb: Testbed, name: string, timeout: number): Promise<number> {
  await tb.waitForStatus(`pod:${name}`, 'running', { timeout });
  await tb.waitFor(async () => (await tb.containerId(name)) !== undefined, {
    timeout: 30_000,
    message: `the ${name} container`,
  });
  return startedAt(tb, name);
}

/**
 * `dep` runs and becomes ready `readyAfterS` s after its container started (`when` says how);
 * `waiter`, which waits for it, is looked at every 0.5 s until then and must not run; then it must.
 */
export async function heldUntilReady(
  t: Pick<Test, 'ok' | 'notOk' | 'equal'>,
  tb: Testbed,
  o: { dep: string; waiter: string; readyAfterS: number; when: string },
): Promise<void> {
  const depStart = await runs(tb, o.dep, 120_000);
  const early: string[] = [];
  while (Date.now() < depStart + (o.readyAfterS - 1) * 1000) {
    early.push((await tb.serviceStatus(`pod:${o.waiter}`)) ?? 'unknown');
    await new Promise((r) => setTimeout(r, 500));
  }
  t.ok(early.length > 0, `${o.waiter} looked at while ${o.dep} was starting (${early.join(' ')})`);
  t.notOk(early.includes('running'), `${o.waiter} does not run before ${o.dep} ${o.when}`);
  t.equal(await tb.containerId(o.waiter), undefined, `no ${o.waiter} container yet`);
  const waiterStart = await runs(tb, o.waiter, 60_000);
  t.ok(
    waiterStart - depStart >= o.readyAfterS * 1000,
    `${o.waiter} started ${((waiterStart - depStart) / 1000).toFixed(1)} s after ${o.dep}, once it ${o.when} (${o.readyAfterS} s)`,
  );
}
