// Pod names, in one place: what a container unit's pod is called (ServiceName=, else the unit's
// name), and which names Finit can run as `pod:NAME` (the characters, and the length of a
// service :ID on the running Finit, see render/finit.ts).

import type { UnitName } from '../parse/load.js';
import { FINIT_ID_MAX, FINIT_ID_MAX_OLD } from '../render/finit.js';

/** The one naming rule for pods and imported units: letters, digits, "_", "." and "-", starting with a letter or digit (safe on a stanza line and in a file name). */
export const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The default name of a container: the unit's name; `prefix_instance` for a template instance. */
export function defaultContainerName(n: UnitName): string {
  return n.instance !== '' || n.isTemplate ? `${n.prefix}_${n.instance}` : n.stem;
}

/** A container unit's pod: ServiceName= when it is set (and not empty), else the default name. */
export function podName(serviceName: string | undefined, n: UnitName): string {
  return serviceName || defaultContainerName(n);
}

/**
 * What is wrong with `pod` as Finit's pod:NAME: an error (bad characters, longer than `maxId`), a
 * warning when no Finit version is known and it is too long for Finit before 4.15, or nothing.
 */
export function podNameProblem(
  pod: string,
  maxId: number | undefined,
): { severity: 'error' | 'warning'; message: string } | undefined {
  if (!SAFE_NAME.test(pod))
    return {
      severity: 'error',
      message: `pod name "${pod}" must use only letters, digits, "_", "." and "-" (it becomes Finit's pod:${pod})`,
    };
  if (pod.length > (maxId ?? FINIT_ID_MAX))
    return {
      severity: 'error',
      message: `pod name "${pod}" is ${pod.length} characters; this Finit keeps at most ${maxId ?? FINIT_ID_MAX} of a service :ID`,
    };
  if (maxId === undefined && pod.length > FINIT_ID_MAX_OLD)
    return {
      severity: 'warning',
      message: `pod name "${pod}" is ${pod.length} characters: fine on Finit 4.15 and later, but Finit 4.2–4.14 keep only ${FINIT_ID_MAX_OLD} (sync checks the running Finit)`,
    };
  return undefined;
}
