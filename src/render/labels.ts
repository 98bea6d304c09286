// The names finit-pods gives what it owns: its containers' labels, the condition every pod
// waits for, its runner's copies. Apart from stanza.ts, so that boot recovery can start removing
// before the renderer (and what it loads) is loaded.

import { join } from 'node:path';

export const READY_CONDITION = 'finit-pods';

/**
 * The usr/ condition a pod with Notify= is ready under: set while it is healthy (Notify=healthy, by
 * the daemon) or once its container said READY=1 (Notify=true, by the runner). Finit refuses '.'
 * in a usr/ condition, and a pod name has no ':', so '.' becomes ':'.
 */
export const podReadyCondition = (pod: string): string => `ready-pod-${pod.replaceAll('.', ':')}`;
export const LABEL_MANAGED = 'io.finit-pods.managed';
export const LABEL_POD = 'io.finit-pods.pod';
/** The pod a container finit-pods started runs for (by its labels); undefined for any other container. */
export const ownPod = (labels: Readonly<Record<string, string>>): string | undefined =>
  labels[LABEL_MANAGED] === 'true' ? labels[LABEL_POD] || undefined : undefined;
export const LABEL_HASH = 'io.finit-pods.hash';
/** A .build's image: the hash of what it was built from, so it is built again only when that changes. */
export const LABEL_BUILD = 'io.finit-pods.build';

/** The Finit service names finit-pods writes: pod:NAME (a container), podman-pod:NAME (.pod), kube:NAME (.kube). */
export const SERVICE_NAMES = ['pod', 'podman-pod', 'kube'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
/** A Finit identity (NAME:ID) of a service finit-pods writes. */
export const OWN_SERVICE = new RegExp(`^(${SERVICE_NAMES.join('|')}):`);

/**
 * The runner's private copies of argv files (finit-pods-run.sh): RUN_DIR/argv/ID.PID while the
 * runner PID runs service ID (a container's pod name, or KIND:NAME), made as it starts, removed as
 * it ends.
 */
export const runnerCopies = (runDir: string): string => join(runDir, 'argv');
export const runnerCopy = (runDir: string, id: string, pid: number): string =>
  join(runnerCopies(runDir), `${id}.${pid}`);
/** What a file name in runnerCopies says: the runner's ID, its Finit identity and PID; undefined for any other name. */
export function runnerOfCopy(file: string): { id: string; identity: string; pid: number } | undefined {
  const m = /^(.+)\.(\d+)$/.exec(file);
  if (!m) return undefined;
  const id = m[1]!;
  return { id, identity: id.includes(':') ? id : `pod:${id}`, pid: Number(m[2]) };
}
