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
import { podmanCli } from './podman.js';
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

/** Plans and (unless dryRun) performs the cleanup for the pods in `pods`. */
export async function cleanup(
  cfg: SyncConfig,
  exec: Runner,
  pods: Map<string, string>,
  opts: { dryRun?: boolean; atBoot?: boolean } = {},
): Promise<CleanupRun> {
  const podman = podmanCli(cfg.podman, exec);
  const containers = await podman.containers();
  const external = await podman.containers(true);
  const plan = planCleanup(containers, external, pods, opts.atBoot ?? false);
  if (opts.dryRun) return { plan, calls: 2, errors: [], dryRun: true };
  const r = await executeCleanup(podman, plan);
  return { ...r, calls: r.calls + 2, dryRun: false };
}

export interface BootReport {
  sync: SyncReport;
  cleanup: CleanupRun;
}

export async function bootRecovery(
  cfg: SyncConfig,
  deps: { finit: Finit; exec: Runner },
): Promise<BootReport> {
  // If something already let pods start this boot, running pods are real: only stale ones go.
  const ready = await deps.finit.condGet(READY_CONDITION);
  const rep = await sync(cfg, { ...deps, setReady: false, checkImages: 'all' });
  const result = await cleanup(cfg, deps.exec, podContainers(rep), { atBoot: !ready });
  if (!ready) {
    await deps.finit.condSet(READY_CONDITION);
    rep.readySet = true;
  }
  writeFileSync(bootMarker(cfg.runDir), `${new Date().toISOString()}\n`);
  return { sync: rep, cleanup: result };
}
