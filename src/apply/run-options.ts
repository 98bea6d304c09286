// Options a pod's `podman run` needs that this podman does not have (a key for a newer podman, or
// a PodmanArgs= word): podman refuses the whole command, so such a pod can never start. sync
// keeps it from replacing a running pod, and doctor names it; both read the options through the
// adapter (Podman.runOptions, `podman run --help`).

import { containerKeysFor } from '../model/keys.js';
import type { RunOptions } from './podman.js';

/** The options in a pod's `podman run` options (ContainerModel.runArgs) that `known` lacks. */
export function unknownRunOptions(runArgs: readonly string[], known: RunOptions): string[] {
  const unknown = new Set<string>();
  for (let i = 0; i < runArgs.length; i++) {
    const a = runArgs[i]!;
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    const name = eq < 0 ? a : a.slice(0, eq);
    const takesValue = known.get(name);
    if (takesValue === undefined) unknown.add(name);
    else if (takesValue && eq < 0) i++; // its value is the next word, whatever it looks like
  }
  return [...unknown];
}

/** The keys that give these options (PodmanArgs= for one no key gives), each once. */
const keysOf = (unknown: readonly string[]): string[] => [
  ...new Set(
    unknown.flatMap((o) => {
      const keys = containerKeysFor(o);
      return keys.length > 0 ? keys.map((k) => `${k}=`) : ['PodmanArgs='];
    }),
  ),
];

/** "podman 4.3.1 has no option --x (X= in FILE), so it refuses to run the pod". */
export function missingOptionsText(unknown: readonly string[], file?: string, version?: string): string {
  const s = unknown.length === 1 ? '' : 's';
  const where = file ? ` in ${file}` : '';
  return `podman${version ? ` ${version}` : ''} has no option${s} ${unknown.join(', ')} (${keysOf(unknown).join(', ')}${where}), so it refuses to run the pod`;
}

/** What the user can do about it. */
export const missingOptionsRemedy = (unknown: readonly string[]): string =>
  `remove ${keysOf(unknown).length === 1 ? 'the key' : 'them'}, or install a newer podman`;
