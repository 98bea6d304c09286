// What the status and doctor tests share (src/inspect/): the real Finit and podman adapters over
// a fake runner, a container as `podman ps --format json` lists it, and a units directory to
// write units into.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Finit, initctlFinit } from '../../src/apply/finit.js';
import { podmanCli } from '../../src/apply/podman.js';
import type { Runner } from '../../src/apply/run.js';
import type { SyncConfig } from '../../src/apply/sync.js';
import { tempConfig } from './config.js';

export const PODMAN = '/usr/bin/podman';
export const INITCTL = '/sbin/initctl';

/** The real adapters over a fake runner, with Finit's version and condition given. */
export function adapters(
  version: string,
  ready: boolean,
  exec: Runner,
): { finit: Finit; podman: ReturnType<typeof podmanCli> } {
  // a service the list lacks is asked for by name: unless the fake answers for it, its list is
  // whole, so Finit does not know it (and the list's own answer is not one service's)
  const byName: Runner = async (file, args, opts) => {
    const ask = args.join(' ');
    const named = file === INITCTL && /^(-j|-b -p) status \S+$/.test(ask);
    const r = await exec(file, args, opts);
    if (!named || (r.exitCode === 0 && !r.stdout.trimStart().startsWith('['))) return r;
    return args[0] === '-j'
      ? { exitCode: 69, stdout: '', stderr: `no such task or service(s): ${args[2]}`, timedOut: false }
      : { exitCode: 255, stdout: '', stderr: '', timedOut: false };
  };
  const finit: Finit = {
    ...initctlFinit(INITCTL, byName),
    version: async () => version,
    reload: async () => undefined,
    // usr/finit-pods as `ready` says; a pod's readiness (Notify=) not set
    condGet: async (name) => {
      if (name.startsWith('ready-pod-')) return false;
      if (name !== 'finit-pods') throw new Error(`unexpected condition ${name}`);
      return ready;
    },
    condSet: async () => undefined,
  };
  return { finit, podman: podmanCli(PODMAN, exec) };
}

/** A container as `podman ps -a --format json` lists it, with finit-pods' labels unless replaced. */
export const psRow = (id: string, name: string, state: string, extra: Record<string, unknown> = {}) => ({
  Id: id.padEnd(64, '0'),
  Names: [name],
  State: state,
  Image: 'localhost/busybox:latest',
  Labels: { 'io.finit-pods.managed': 'true', 'io.finit-pods.pod': name },
  ...extra,
});

/** A temporary SyncConfig (test/helpers/config.ts) with PODMAN, its units directory, and a unit writer. */
export function inspectConfig(t: { teardown(fn: () => void): void }): {
  cfg: SyncConfig;
  units: string;
  unit: (file: string, text: string) => void;
} {
  const cfg = tempConfig(t, {}, PODMAN);
  const units = cfg.unitsDir;
  return { cfg, units, unit: (file, text) => writeFileSync(join(units, file), text) };
}
