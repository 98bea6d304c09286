// A container's auto-update policy, as podman auto-update reads it: the io.containers.autoupdate
// label it is run with (AutoUpdate= or Label=). `registry` (or the old `image`) follows the digest
// a registry offers, `local` the image its reference names in local storage. Pure.

import type { ContainerModel } from './container.js';

export const POLICY_LABEL = 'io.containers.autoupdate';
/** podman auto-update's per-container authfile label. */
export const AUTHFILE_LABEL = 'io.containers.autoupdate.authfile';

export type Policy = 'registry' | 'local';

/** The value of the last `--label KEY=…` of a podman run's arguments. */
export function labelOf(runArgs: readonly string[], key: string): string | undefined {
  let v: string | undefined;
  for (let i = 0; i < runArgs.length - 1; i++)
    if (runArgs[i] === '--label' && runArgs[i + 1]!.startsWith(`${key}=`))
      v = runArgs[i + 1]!.slice(key.length + 1);
  return v;
}

/** The container's policy: undefined when it is not updated, `{ invalid }` for a value podman refuses. */
export function autoUpdatePolicy(
  m: Pick<ContainerModel, 'runArgs'>,
): Policy | { invalid: string } | undefined {
  const v = labelOf(m.runArgs, POLICY_LABEL);
  if (v === undefined || v === '' || v === 'disabled') return undefined;
  if (v === 'registry' || v === 'image') return 'registry';
  if (v === 'local') return 'local';
  return { invalid: v };
}
