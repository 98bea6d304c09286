// What status and doctor say of a pod's updates, from updates.json: the last outcome, the offers
// that failed (not tried again until they change), and an update in progress.

import type { UpdateOutcome, UpdateState } from './state.js';

export interface UpdateView {
  /** The last update's outcome. */
  last?: UpdateOutcome;
  /** Offers (registry digests, archive identities, image IDs) that failed and are not tried again. */
  failed?: string[];
  /** An update is in progress, or was interrupted and is settled at the next run. */
  pending?: boolean;
}

export function updateView(s: UpdateState, pod: string): UpdateView | undefined {
  const v: UpdateView = {};
  if (s.last[pod]) v.last = s.last[pod];
  const failed = s.failed[pod]?.map((f) => f.offer) ?? [];
  if (failed.length > 0) v.failed = failed;
  if (s.pending[pod]) v.pending = true;
  return Object.keys(v).length > 0 ? v : undefined;
}

/** One sentence when the pod's last update did not go through (or one is under way), else undefined. */
export function updateProblem(v: UpdateView): string | undefined {
  if (v.pending) return 'an update is under way (or was interrupted and is settled at the next run)';
  if (!v.last || v.last.result === 'updated') return undefined;
  return `update ${v.last.result} at ${v.last.at}: ${v.last.message}`;
}
