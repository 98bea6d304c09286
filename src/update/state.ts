// STATE_DIR/updates.json: what auto-update must remember across a power cut, on persistent
// storage beside podman's: the update in progress per pod (the image to go back to, kept under a
// tag of ours until the new one is confirmed) and the images that failed (never tried again).
// Written whole (atomic rename, fsync), 0600; a corrupt one is set aside and rebuilt.

import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readStateFile, writeAtomic } from '../apply/files.js';

/** An update that started and is not yet confirmed or rolled back. */
export interface PendingUpdate {
  /** The reference the pod's podman run uses (moved to the new image, and back on a rollback). */
  ref: string;
  /** The image ID the pod ran before: where a rollback goes. */
  previous: string;
  /** What was offered (a registry digest, an archive's identity, a local image ID): the failure's key. */
  offer: string;
  /** The new image's ID, once it is here. */
  image?: string;
  startedAt: string;
}

/** An update that did not become healthy in time and was rolled back. */
export interface FailedUpdate {
  /** The offer (as PendingUpdate.offer): the same offer again is not tried. */
  offer: string;
  image?: string;
  /** Where it went back to. */
  rolledBackTo: string;
  at: string;
  why: string;
}

/** The last outcome per pod, for status and doctor. */
export interface UpdateOutcome {
  at: string;
  result: 'updated' | 'rolled back' | 'failed';
  /** The image the pod runs after it. */
  image?: string;
  message: string;
}

export interface UpdateState {
  pending: Record<string, PendingUpdate>;
  /** Per pod, the failed offers, oldest first (at most MAX_FAILED). */
  failed: Record<string, FailedUpdate[]>;
  last: Record<string, UpdateOutcome>;
}

/** Failed offers kept per pod: the oldest go first (an offer that old will not come back). */
export const MAX_FAILED = 16;

export const updatesPath = (stateDir: string) => join(stateDir, 'updates.json');

export const emptyUpdates = (): UpdateState => ({ pending: {}, failed: {}, last: {} });

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => typeof v === 'string';

const isPending = (v: unknown) => isRecord(v) && str(v.ref) && str(v.previous) && str(v.offer);
const isFailed = (v: unknown) => isRecord(v) && str(v.offer) && str(v.rolledBackTo) && str(v.at);
const isOutcome = (v: unknown) => isRecord(v) && str(v.at) && str(v.result) && str(v.message);

export const isUpdateState = (v: unknown): v is UpdateState =>
  isRecord(v) &&
  isRecord(v.pending) &&
  Object.values(v.pending).every(isPending) &&
  isRecord(v.failed) &&
  Object.values(v.failed).every((l) => Array.isArray(l) && l.every(isFailed)) &&
  isRecord(v.last) &&
  Object.values(v.last).every(isOutcome);

/** The state, empty when there is none; a corrupt file is set aside (`onCorrupt` is told) when `setAside`. */
export function readUpdates(stateDir: string, onCorrupt?: (message: string) => void): UpdateState {
  const path = updatesPath(stateDir);
  const r = readStateFile(path, isUpdateState, { setAside: onCorrupt !== undefined });
  if (r.why && onCorrupt)
    onCorrupt(`${path} is corrupt (${r.why}); ${r.setAside ? `moved to ${r.setAside} and ` : ''}rebuilt`);
  return r.value ?? emptyUpdates();
}

export function writeUpdates(stateDir: string, s: UpdateState): void {
  mkdirSync(dirname(updatesPath(stateDir)), { recursive: true, mode: 0o700 });
  writeAtomic(updatesPath(stateDir), `${JSON.stringify(s, null, 1)}\n`);
}

/** Whether `offer` failed before for `pod`. */
export const failedBefore = (s: UpdateState, pod: string, offer: string): FailedUpdate | undefined =>
  s.failed[pod]?.find((f) => f.offer === offer);

/** Records a failed offer (the oldest dropped beyond MAX_FAILED). */
export function recordFailure(s: UpdateState, pod: string, f: FailedUpdate): void {
  s.failed[pod] = [...(s.failed[pod] ?? []).filter((x) => x.offer !== f.offer), f].slice(-MAX_FAILED);
}
