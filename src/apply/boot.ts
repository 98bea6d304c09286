// Boot recovery: the first run after a boot (/run is a tmpfs, so RUN_DIR/booted is gone) makes
// a boot after a power cut look like a clean one, before any pod may start:
//   1. networks and volumes recreated and every stanza written (sync, without the condition),
//      images checked, archives loaded once;
//   2. what would block a pod removed (see cleanup.ts);
//   3. only then usr/finit-pods set: Finit starts the pods.

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { READY_CONDITION } from '../render/stanza.js';
import { type CleanupResult, executeCleanup, planCleanup } from './cleanup.js';
import type { Finit } from './finit.js';
import { type ContainerInfo, podmanCli } from './podman.js';
import type { Runner } from './run.js';
import { type SyncConfig, type SyncReport, sync } from './sync.js';

export const bootMarker = (runDir: string) => join(runDir, 'booted');

export function isFirstRunSinceBoot(runDir: string): boolean {
  return !existsSync(bootMarker(runDir));
}

/** Container name → pod name, for every pod with a stanza. */
export function podContainers(rep: SyncReport): Map<string, string> {
  const m = new Map<string, string>();
  for (const u of rep.units) if (u.pod && u.container) m.set(u.container, u.pod);
  return m;
}

export interface CleanupRun extends CleanupResult {
  dryRun: boolean;
}

/**
 * Plans and (unless dryRun) performs the cleanup for the pods in `pods`. One listing,
 * `ps -a --external`: podman's own containers, and the storage-only ones with state "storage"
 * (a state podman never gives its own). `listing`: that call, already started by the caller.
 */
export async function cleanup(
  cfg: SyncConfig,
  exec: Runner,
  pods: Map<string, string>,
  opts: { dryRun?: boolean; atBoot?: boolean; listing?: Promise<ContainerInfo[]> } = {},
): Promise<CleanupRun> {
  const podman = podmanCli(cfg.podman, exec);
  const all = await (opts.listing ?? podman.containers(true));
  const containers = all.filter((c) => c.state !== 'storage');
  const plan = planCleanup(containers, all, pods, opts.atBoot ?? false);
  if (opts.dryRun) return { plan, calls: 1, errors: [], dryRun: true };
  const r = await executeCleanup(podman, plan);
  return { ...r, calls: r.calls + 1, dryRun: false };
}

export interface BootReport {
  sync: SyncReport;
  cleanup: CleanupRun;
  /** Every podman invocation boot recovery made (sync's and the cleanup's). */
  podmanCalls: number;
}

export async function bootRecovery(
  cfg: SyncConfig,
  deps: { finit: Finit; exec: Runner },
): Promise<BootReport> {
  let podmanCalls = 0;
  const exec: Runner = (file, args, opts) => {
    if (file === cfg.podman) podmanCalls++;
    return deps.exec(file, args, opts);
  };
  const podman = podmanCli(cfg.podman, exec);
  // If something already let pods start this boot, running pods are real: only stale ones go.
  const readyP = deps.finit.condGet(READY_CONDITION);
  // The cleanup runs alongside the sync: the sync creates no containers and no pod can start
  // before the condition is set. After a boot the first podman call also pays for podman's own
  // state reset, and removing the leftovers is most of the work: containers finit-pods labelled
  // need no unit to be recognised, so they are removed while the sync runs; what needs the
  // units (a foreign container or a ghost holding a pod's name) follows the sync.
  const listing = podman.containers(true);
  const early = Promise.all([listing, readyP]).then(async ([all, ready]) => {
    const own = planCleanup(
      all.filter((c) => c.state !== 'storage'),
      [],
      new Map(),
      !ready,
    );
    return executeCleanup(podman, own);
  });
  early.catch(() => undefined); // awaited below; a failing sync must not leave it unhandled
  const rep = await sync(cfg, { ...deps, exec, setReady: false, checkImages: 'all' });
  const [all, ready, first] = await Promise.all([listing, readyP, early]);
  const plan = planCleanup(
    all.filter((c) => c.state !== 'storage'),
    all,
    podContainers(rep),
    !ready,
  );
  const done = new Set(first.plan.remove.map((r) => r.id));
  const second = await executeCleanup(podman, {
    remove: plan.remove.filter((r) => !done.has(r.id)),
    ghosts: plan.ghosts,
    blocking: plan.blocking,
  });
  const result: CleanupRun = {
    plan,
    calls: 1 + first.calls + second.calls,
    errors: [...first.errors, ...second.errors],
    dryRun: false,
  };
  if (!ready) {
    await deps.finit.condSet(READY_CONDITION);
    rep.readySet = true;
  }
  writeFileSync(bootMarker(cfg.runDir), `${new Date().toISOString()}\n`);
  return { sync: rep, cleanup: result, podmanCalls };
}
