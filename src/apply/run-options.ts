// Options a pod's `podman run` needs that this podman does not have (a key for a newer podman, or
// a PodmanArgs= word): podman refuses the whole command, so such a pod can never start. sync
// keeps it from replacing a running pod, and doctor names it; both read the options through the
// adapter (Podman.runOptions, `podman run --help`), kept across boots while podman is the same.

import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { containerKeysFor } from '../model/keys.js';
import { readStateFile, writeAtomic } from './files.js';
import type { Podman, RunOptions } from './podman.js';

/** STATE_DIR/run-options.json: the options of the podman program that is `identity`. */
interface StoredOptions {
  identity: string;
  options: Record<string, boolean>;
}

const isStored = (v: unknown): v is StoredOptions =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as StoredOptions).identity === 'string' &&
  typeof (v as StoredOptions).options === 'object' &&
  (v as StoredOptions).options !== null &&
  Object.values((v as StoredOptions).options).every((x) => typeof x === 'boolean');

/**
 * The podman program as a file (inode, size, mtime): another podman is another file. Not its
 * device: an overlay's is a number given at each mount, so it changes from boot to boot.
 */
function programIdentity(program: string): string | undefined {
  try {
    const st = statSync(program);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/**
 * podman's run options: kept in STATE_DIR/run-options.json while the podman program is the same
 * file, else read from `podman run --help` (Podman.runOptions) and kept, so that a boot (on
 * Infix every stanza is new at every boot) and an edit start no podman for them. The file only
 * saves the call: one that cannot be read or written costs that call, and a failed call throws.
 */
export async function runOptionsOf(podman: Podman, program: string, stateDir?: string): Promise<RunOptions> {
  const identity = stateDir ? programIdentity(program) : undefined;
  const file = stateDir && join(stateDir, 'run-options.json');
  const stored = file && identity ? readStateFile(file, isStored).value : undefined;
  if (stored && stored.identity === identity) return new Map(Object.entries(stored.options));
  const options = await podman.runOptions();
  if (file && identity) {
    try {
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      writeAtomic(file, `${JSON.stringify({ identity, options: Object.fromEntries(options) })}\n`, 0o644);
    } catch {
      // read again next time
    }
  }
  return options;
}

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
