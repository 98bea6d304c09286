// What the commands share: the Command shape, printing, the path options' help.

import { printableJson, printableText } from '../lib/text.js';
import type { DirOptions } from '../model/translate.js';
import { finitCaps } from '../render/finit.js';

/** One command: its line in the usage, its --help, and what it does; run returns the exit code. */
export interface Command {
  summary: string;
  help: string;
  run(args: string[]): Promise<number>;
}

// Every line a command prints may carry names and values from unit files: control characters are
// shown as escapes (lib/text.ts), so nothing from a unit can forge output.
export const out = (s: string) => process.stdout.write(printableText(s));
export const err = (s: string) => process.stderr.write(printableText(s));
export const outJson = (v: unknown) => process.stdout.write(`${printableJson(JSON.stringify(v, null, 2))}\n`);

export const PATH_HELP = `  --units-dir DIR   unit files (env FINIT_PODS_UNITS_DIR, default /cfg/containers)
  --finit-dir DIR   where stanzas go (env FINIT_PODS_FINIT_DIR, default /etc/finit.d/enabled)
  --run-dir DIR     runtime state (env FINIT_PODS_RUN_DIR, default /run/finit-pods)
  --cni-dir DIR     CNI profiles for [HostDevice] networks (env FINIT_PODS_CNI_DIR, default /etc/cni/net.d)
  --state-dir DIR   persistent state: auto-update's updates.json (env FINIT_PODS_STATE_DIR,
                    default /var/lib/finit-pods)
  --podman PATH     podman binary (env FINIT_PODS_PODMAN, default /usr/bin/podman)
  initctl is found on PATH or in the usual places; env FINIT_PODS_INITCTL overrides.
`;

/** Finit's :ID limit depends on its version (render/finit.ts); unknown: a warning where it matters. */
export function dirOptions(finitVersion: string | undefined): DirOptions {
  const v = finitVersion ?? process.env.FINIT_PODS_FINIT_VERSION;
  return v ? { maxPodName: finitCaps(v).maxId } : {};
}
