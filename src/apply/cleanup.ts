// Boot cleanup: what would keep a pod from starting after a power cut. Podman resets its state
// at the first call after a reboot and leaves containers that were running as Created (4.3) or
// Exited (5.x), still holding their names, so `podman run --name X` fails with "name already in
// use". Removed, in one batched call each (retried once, podman.ts removeWithRetry, since the
// first rm -f after a crash often fails): every finit-pods container that is not running, any non-running container that
// holds a pod's name, and storage-only ("ghost") containers that hold a pod's name. A running
// container finit-pods does not own is never removed: it is reported.

import { LABEL_MANAGED, LABEL_POD } from '../render/labels.js';
import { type ContainerInfo, isRunning, type Podman, PodmanError, removeWithRetry } from './podman.js';

export interface Removal {
  id: string;
  name: string;
  state: string;
  reason: string;
}

export interface CleanupPlan {
  remove: Removal[];
  ghosts: Removal[];
  /** Running containers holding a pod's name that finit-pods does not own: left alone. */
  blocking: Removal[];
}

/**
 * Plans the cleanup. `pods` maps container name → pod name for every pod finit-pods runs;
 * `atBoot` means no pod has been started since the boot (nothing is really running yet, even
 * if podman still says so after a SIGKILL).
 */
export function planCleanup(
  containers: ContainerInfo[],
  external: ContainerInfo[],
  pods: ReadonlyMap<string, string>,
  atBoot: boolean,
): CleanupPlan {
  const plan: CleanupPlan = { remove: [], ghosts: [], blocking: [] };
  const known = new Set(containers.map((c) => c.id));
  for (const c of containers) {
    const name = c.names[0] ?? c.id.slice(0, 12);
    const managed = c.labels[LABEL_MANAGED] === 'true';
    const pod = c.names.map((n) => pods.get(n)).find((p) => p !== undefined);
    const running = isRunning(c.state);
    const base = { id: c.id, name, state: c.state };
    if (managed && (!running || atBoot)) {
      const p = c.labels[LABEL_POD] ?? name;
      plan.remove.push({
        ...base,
        reason: `finit-pods container of pod ${p}, ${c.state}${atBoot ? ' from before the boot' : ''}`,
      });
    } else if (pod && !running) {
      plan.remove.push({ ...base, reason: `${c.state} container holds the name of pod ${pod}` });
    } else if (pod && running && !managed) {
      plan.blocking.push({
        ...base,
        reason: `running container not started by finit-pods holds the name of pod ${pod}; left alone`,
      });
    }
  }
  for (const c of external) {
    if (known.has(c.id)) continue;
    const pod = c.names.map((n) => pods.get(n)).find((p) => p !== undefined);
    if (pod) {
      plan.ghosts.push({
        id: c.id,
        name: c.names[0] ?? c.id,
        state: c.state || 'storage',
        reason: `storage-only container holds the name of pod ${pod}`,
      });
    }
  }
  return plan;
}

export interface CleanupResult {
  plan: CleanupPlan;
  /** podman calls made (a constant, whatever the number of containers). */
  calls: number;
  errors: string[];
}

export async function executeCleanup(podman: Podman, plan: CleanupPlan): Promise<CleanupResult> {
  let calls = 0;
  const errors: string[] = [];
  const ids = plan.remove.map((r) => r.id);
  if (ids.length > 0) {
    const r = await removeWithRetry(() => podman.remove(ids));
    calls += r.calls;
    if (r.error) errors.push(r.error.message);
  }
  const ghostIds = plan.ghosts.map((g) => g.id);
  if (ghostIds.length > 0) {
    calls++;
    try {
      await podman.remove(ghostIds, true);
    } catch (e) {
      if (!(e instanceof PodmanError) || e.timedOut) throw e;
      errors.push(e.message);
    }
  }
  return { plan, calls, errors };
}
