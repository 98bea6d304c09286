// Boot recovery's first podman call, started as early as the daemon can start it. It removes
// finit-pods' own leftovers by their label (no listing, no unit file needed) and pays podman's
// post-boot state reset: most of what boot recovery waits for. The daemon's command line starts
// it before the rest of the daemon is loaded (src/cli/main.ts), and bootRecovery takes it over,
// so pods wait for podman, not for Node loading finit-pods.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LABEL_MANAGED, READY_CONDITION } from '../render/labels.js';
import { condFromFiles } from './finit.js';
import { type Podman, podmanCli, RemovalError, removeWithRetry } from './podman.js';
import { type Runner, run } from './run.js';

export const bootMarker = (runDir: string) => join(runDir, 'booted');

/** /run is a tmpfs: no marker there means no boot recovery has finished since this boot. */
export function isFirstRunSinceBoot(runDir: string): boolean {
  return !existsSync(bootMarker(runDir));
}

export interface OwnRemoval {
  /** What podman removed. */
  ids: string[];
  errors: string[];
  /** podman invocations (1, or 2 when the first failed). */
  calls: number;
}

/** Removes every container finit-pods labelled, in one call; once more if that fails. */
export async function removeOwn(podman: Podman): Promise<OwnRemoval> {
  const ids: string[] = [];
  const r = await removeWithRetry(async () => {
    try {
      ids.push(...(await podman.removeLabelled(LABEL_MANAGED, 'true')));
    } catch (e) {
      // what a failed call removed is gone all the same
      if (e instanceof RemovalError) ids.push(...e.removed);
      throw e;
    }
  });
  return { ids, errors: r.error ? [r.error.message] : [], calls: r.calls };
}

export interface StartedRemoval {
  podman: string;
  /** Date.now() when it started. */
  startedAt: number;
  removal: Promise<OwnRemoval>;
}

let started: StartedRemoval | undefined;

/**
 * Starts removeOwn now when this is the first run since boot and Finit's condition files say
 * pods may not start yet. When they cannot say (no condition directory), nothing starts here:
 * bootRecovery asks initctl and decides.
 */
export function startOwnRemoval(
  cfg: { runDir: string; podman: string },
  opts: { exec?: Runner; condDir?: string } = {},
): void {
  if (started || !isFirstRunSinceBoot(cfg.runDir)) return;
  if (condFromFiles(READY_CONDITION, opts.condDir) !== false) return;
  const removal = removeOwn(podmanCli(cfg.podman, opts.exec ?? run));
  removal.catch(() => undefined); // bootRecovery awaits it
  started = { podman: cfg.podman, startedAt: Date.now(), removal };
}

/** The removal startOwnRemoval started with this podman, if any; handed over once. */
export function takeOwnRemoval(podman: string): StartedRemoval | undefined {
  const s = started;
  if (s?.podman !== podman) return undefined;
  started = undefined;
  return s;
}
