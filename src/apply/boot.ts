// Boot recovery: the first run after a boot (/run is a tmpfs, so RUN_DIR/booted is gone) makes
// a boot after a power cut look like a clean one, before any pod may start:
//   1. finit-pods' own leftovers removed by their label, in one podman call, the first one (it
//      also pays for podman's post-boot state reset, as podman alone would); the daemon starts it
//      as it starts, before loading the rest of itself (boot-start.ts), and it is taken over here;
//   2. alongside it, the sync (without the condition): every stanza written, images checked (in
//      containers/storage's own records, storage.ts, when it can read them), a new pod's options
//      checked (`podman run --help`, which podman answers without its state); after the
//      removal, as every other podman call: networks and volumes recreated, archives loaded once;
//   3. what else would block a pod (a foreign container or a ghost holding a pod's name, see
//      cleanup.ts) found and removed: when storage's records show no container holding a pod's
//      name (the usual case: the first call removed them all), with no podman call at all;
//      otherwise one listing (`podman ps -a --external`) says what they are;
//   4. only then usr/finit-pods set: Finit starts the pods. The log lines come after.

import { writeFileSync } from 'node:fs';
import type { UnitResult } from '../model/translate.js';
import { LABEL_MANAGED, LABEL_POD, READY_CONDITION } from '../render/labels.js';
import { bootMarker, isFirstRunSinceBoot, type OwnRemoval, removeOwn, takeOwnRemoval } from './boot-start.js';
import {
  type CleanupPlan,
  type CleanupResult,
  executeCleanup,
  planCleanup,
  type Removal,
} from './cleanup.js';
import type { Finit } from './finit.js';
import { withLock } from './lock.js';
import { answersFromItself, type ContainerInfo, type Podman, podmanCli } from './podman.js';
import type { Runner } from './run.js';
import type { Storage } from './storage.js';
import type { SyncConfig, SyncReport } from './sync.js';

export { bootMarker, isFirstRunSinceBoot } from './boot-start.js';

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
  /** When the condition was set (or found set): Date.now(). */
  readyAt: number;
  /**
   * Where the removal by label started: at the daemon's start (boot-start.ts, before the rest was
   * loaded), here in boot recovery, or not at all (pods had already been let start this boot).
   */
  removal: 'at-start' | 'in-recovery' | 'none';
  /** What answered "what is left?" after the removal, and "which images are here?". */
  listing: 'storage' | 'podman';
  images: 'storage' | 'podman' | 'none';
  /** When the removal by label started and was done, and when the sync was: ms since the process started. */
  removalStart?: number;
  removalDone?: number;
  syncDone: number;
}

export async function bootRecovery(
  cfg: SyncConfig,
  deps: {
    finit: Finit;
    exec: Runner;
    /** containers/storage's records, read directly where they can be (the daemon's host). */
    storage?: Storage;
    /** The units as the caller translated them already. */
    units?: readonly UnitResult[];
  },
): Promise<BootReport> {
  let podmanCalls = 0;
  const counted: Runner = (file, args, opts) => {
    if (file === cfg.podman) podmanCalls++;
    return deps.exec(file, args, opts);
  };
  // After a boot the first podman call also pays for podman's own state reset, and removing the
  // leftovers is most of the work: finit-pods' own containers need no listing and no unit to be
  // recognised (their label says it), so they go first, in one call, as podman alone would remove
  // them, before the sync engine is even loaded. Every other podman call (the listing, the sync's
  // images and networks) waits for it: run alongside, they slow it down more than they save
  // (one of them takes the state reset, and they contend for podman's locks). The sync's own
  // work goes on meanwhile; it creates no containers, and no pod can start before the condition
  // is set. What podman answers from its own program (its run options) need not wait.
  let gate: Promise<unknown> | undefined;
  const exec: Runner = async (file, args, opts) => {
    if (file === cfg.podman && gate && !answersFromItself(args)) await gate;
    return counted(file, args, opts);
  };
  const podman = podmanCli(cfg.podman, exec);
  // the first call may already be under way: the daemon starts it before it has loaded this
  const early = takeOwnRemoval(cfg.podman);
  const since = new Date(Math.min(Date.now(), early?.startedAt ?? Number.POSITIVE_INFINITY) - 1000);
  // If something already let pods start this boot, running pods are real: only stale ones go.
  const ready = await deps.finit.condGet(READY_CONDITION);
  const own = ready ? undefined : (early?.removal ?? removeOwn(podmanCli(cfg.podman, deps.exec)));
  let removalDone: number | undefined;
  gate = own?.then(
    () => {
      removalDone = performance.now();
    },
    () => undefined,
  );
  // Images do not change as containers go: their records are read without waiting for the removal.
  let images: BootReport['images'] = 'none';
  const localImages = async () => {
    const stored = deps.storage?.images();
    images = stored ? 'storage' : 'podman';
    return stored ?? (await podman.images());
  };
  const { sync } = await import('./sync.js');
  const rep = await sync(cfg, {
    ...deps,
    exec,
    setReady: false,
    checkImages: 'all',
    localImages,
  });
  const syncDone = performance.now();

  const first = own ? await own : undefined;
  podmanCalls += first?.calls ?? 0;
  const { result, listing } = await removeTheRest(podman, podContainers(rep), first, {
    ready,
    ...(deps.storage ? { storage: deps.storage } : {}),
  });
  if (!ready) {
    await deps.finit.condSet(READY_CONDITION);
    rep.readySet = true;
  }
  const readyAt = Date.now();
  writeFileSync(bootMarker(cfg.runDir), `${new Date().toISOString()}\n`, { mode: 0o600 });
  // which pods the removal by label removed, from podman's event log, now that the pods may
  // start: only the log lines wait for it
  const removedOwn = result.plan.remove.slice(0, first?.ids.length ?? 0);
  if (removedOwn.length > 0) {
    result.calls++;
    await nameFromEvents(podman, since, removedOwn);
  }
  const removal = !own ? 'none' : early ? 'at-start' : 'in-recovery';
  const report: BootReport = {
    sync: rep,
    cleanup: result,
    podmanCalls,
    readyAt,
    removal,
    listing,
    images,
    syncDone,
  };
  if (removalDone !== undefined) report.removalDone = removalDone;
  if (early) report.removalStart = early.startedAt - performance.timeOrigin;
  return report;
}

/**
 * What else would block a pod once the removal by label (`first`, when there was one) is done:
 * a foreign container holding a pod's name, a ghost. Nothing else can block a pod when no
 * container in storage holds a pod's name and the first call removed every container of
 * finit-pods' (only then: before it, or when pods may already run, podman's own view of each
 * container is needed). Every podman container has a record in storage, one made with --rootfs
 * too. The report lists what the first call removed, then the rest.
 */
async function removeTheRest(
  podman: Podman,
  pods: Map<string, string>,
  first: OwnRemoval | undefined,
  opts: { ready: boolean; storage?: Storage },
): Promise<{ result: CleanupRun; listing: BootReport['listing'] }> {
  const stored = first && first.errors.length === 0 ? opts.storage?.containers() : undefined;
  const listing: BootReport['listing'] =
    stored && !stored.some((c) => c.names.some((n) => pods.has(n))) ? 'storage' : 'podman';
  const all = listing === 'storage' ? [] : await podman.containers(true);
  const containers = all.filter((c) => c.state !== 'storage');
  const plan = planCleanup(containers, all, pods, !opts.ready);
  // What finit-pods labelled went with the first call (what it could not remove is in its
  // errors); the rest follows in one batched call each.
  const rest: CleanupPlan = first
    ? {
        remove: plan.remove.filter(
          (r) => containers.find((c) => c.id === r.id)?.labels[LABEL_MANAGED] !== 'true',
        ),
        ghosts: plan.ghosts.filter((g) => !first.ids.includes(g.id)),
        blocking: plan.blocking,
      }
    : plan;
  const after = await executeCleanup(podman, rest);
  const removedOwn = (first?.ids ?? []).map(
    (id): Removal => ({
      id,
      name: id.slice(0, 12),
      state: '',
      reason: 'finit-pods container from before the boot',
    }),
  );
  const result: CleanupRun = {
    plan: { remove: [...removedOwn, ...rest.remove], ghosts: rest.ghosts, blocking: rest.blocking },
    calls: (first?.calls ?? 0) + (listing === 'podman' ? 1 : 0) + after.calls,
    errors: [...(first?.errors ?? []), ...after.errors],
    dryRun: false,
  };
  return { result, listing };
}

/** Names the removals (by ID) with their container and pod, as podman's event log has them. */
async function nameFromEvents(podman: Podman, since: Date, removed: Removal[]): Promise<void> {
  const events = await podman.removedSince(since).catch(() => new Map<string, never>());
  for (const r of removed) {
    const e = events.get(r.id);
    if (!e) continue;
    r.name = e.name || r.name;
    r.reason = `finit-pods container of pod ${e.labels[LABEL_POD] ?? r.name}, from before the boot`;
  }
}

/**
 * What `finit-pods sync` and `doctor --fix` do, holding the sync lock: boot recovery when no apply
 * has finished since this boot (decided under the lock, so two callers never both run it), else a
 * sync. `onWait` is told when another applier holds the lock.
 */
export async function applyLocked(
  cfg: SyncConfig,
  deps: { finit: Finit; exec: Runner; storage?: () => Promise<Storage | undefined> },
  opts: {
    onWait?: (ownerPid: number | undefined) => void;
    checkImages?: 'all' | 'changed';
    /** The units as the caller translated them already (its snapshot). */
    units?: readonly UnitResult[];
  } = {},
): Promise<{ sync: SyncReport; boot?: BootReport }> {
  return withLock(
    cfg.runDir,
    async () => {
      if (isFirstRunSinceBoot(cfg.runDir)) {
        const boot = await bootRecovery(cfg, {
          finit: deps.finit,
          exec: deps.exec,
          storage: await deps.storage?.(),
          ...(opts.units ? { units: opts.units } : {}),
        });
        return { sync: boot.sync, boot };
      }
      const { sync } = await import('./sync.js');
      const units = opts.units ? { units: opts.units } : {};
      const checkImages = opts.checkImages ? { checkImages: opts.checkImages } : {};
      return { sync: await sync(cfg, { finit: deps.finit, exec: deps.exec, ...units, ...checkImages }) };
    },
    opts.onWait ? { onWait: opts.onWait } : {},
  );
}
