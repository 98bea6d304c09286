// The names finit-pods gives what it owns: its containers' labels and the condition every pod
// waits for. Apart from stanza.ts, so that boot recovery can start removing before the renderer
// (and what it loads) is loaded.

export const READY_CONDITION = 'finit-pods';

/**
 * The usr/ condition a pod with Notify= is ready under: set while it is healthy (Notify=healthy, by
 * the daemon) or once its container said READY=1 (Notify=true, by the runner). Finit refuses '.'
 * in a usr/ condition, and a pod name has no ':', so '.' becomes ':'.
 */
export const podReadyCondition = (pod: string): string => `ready-pod-${pod.replaceAll('.', ':')}`;
export const LABEL_MANAGED = 'io.finit-pods.managed';
export const LABEL_POD = 'io.finit-pods.pod';
export const LABEL_HASH = 'io.finit-pods.hash';
/** A .build's image: the hash of what it was built from, so it is built again only when that changes. */
export const LABEL_BUILD = 'io.finit-pods.build';

/** The Finit service names finit-pods writes: pod:NAME (a container), podman-pod:NAME (.pod), kube:NAME (.kube). */
export const SERVICE_NAMES = ['pod', 'podman-pod', 'kube'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
/** A Finit identity (NAME:ID) of a service finit-pods writes. */
export const OWN_SERVICE = new RegExp(`^(${SERVICE_NAMES.join('|')}):`);
