// Containers as podman lists them, and a fake podman over them, for the boot and cleanup tests.

import type { ContainerInfo } from '../../src/apply/podman.js';
import type { Runner } from '../../src/apply/run.js';
import type { Storage } from '../../src/apply/storage.js';
import { LABEL_MANAGED, LABEL_POD } from '../../src/render/stanza.js';
import { runHelp } from './fakes.js';

/** A full 64-hex-digit container ID from a number. */
export const hex = (n: number) => n.toString(16).padStart(64, '0');

/** A container as parsePs gives it; `managed` adds finit-pods' labels (pod: its name unless given). */
export function ctr(
  name: string,
  state: string,
  opts: { managed?: boolean; pod?: string; id?: string; names?: string[] } = {},
): ContainerInfo {
  const labels: Record<string, string> = {};
  if (opts.managed) {
    labels[LABEL_MANAGED] = 'true';
    labels[LABEL_POD] = opts.pod ?? name;
  }
  return {
    id: opts.id ?? hex(Buffer.from(name).reduce((a, b) => a * 31 + b, 7)),
    names: opts.names ?? [name],
    state,
    image: 'localhost/busybox:latest',
    labels,
  };
}

/** n units p0 … p{n-1} running busybox. */
export const sleepers = (n: number, text = '[Container]\nImage=localhost/busybox:latest\n') =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}.container`, text]));

/** The Created containers of pods p0 … p{n-1} that a power cut leaves behind. */
export const lingering = (n: number) =>
  Array.from({ length: n }, (_, i) => ctr(`p${i}`, 'created', { managed: true, id: hex(1000 + i) }));

/**
 * A fake `podman` behind a Runner: lists `state`, removes what rm names (or, with `--filter
 * label=K=V`, what carries that label, printing the IDs), and gives the removals as events.
 * `failFirstRm`: the first rm fails after removing all but the first container; `psFailsOnce`:
 * the first listing fails. Its `run --help` and `--version` are those of `version` (default 5.4.2).
 */
export function fakePodmanRunner(
  state: ContainerInfo[],
  opts: { failFirstRm?: boolean; psFailsOnce?: boolean; version?: '4.3.1' | '5.4.2' } = {},
) {
  const version = opts.version ?? '5.4.2';
  const calls: string[][] = [];
  let present = [...state];
  const removed: ContainerInfo[] = [];
  let fail = opts.failFirstRm ?? false;
  let psFail = opts.psFailsOnce ?? false;

  const toJson = (cs: ContainerInfo[]) =>
    JSON.stringify(cs.map((c) => ({ Id: c.id, Names: c.names, State: c.state, Labels: c.labels })));
  const exec: Runner = async (_file, args) => {
    calls.push([...args]);
    const ok = { exitCode: 0, stdout: '', stderr: '', timedOut: false };
    if (args[0] === 'ps') {
      if (psFail) {
        psFail = false;
        return {
          ...ok,
          exitCode: 125,
          stderr: `Error: determining buildah container for container ${hex(1)}: container not known`,
        };
      }
      const ext = args.includes('--external');
      return { ...ok, stdout: toJson(ext ? present : present.filter((c) => c.state !== 'storage')) };
    }
    if (args.join(' ') === 'run --help') return { ...ok, stdout: runHelp(version) };
    if (args.join(' ') === '--version') return { ...ok, stdout: `podman version ${version}\n` };
    if (args[0] === 'images') {
      return { ...ok, stdout: JSON.stringify([{ Id: hex(9), Names: ['localhost/busybox:latest'] }]) };
    }
    if (args[0] === 'events') {
      const lines = removed.map((c) =>
        JSON.stringify({
          ID: c.id,
          Name: c.names[0],
          Status: 'remove',
          Type: 'container',
          Attributes: c.labels,
        }),
      );
      return { ...ok, stdout: lines.join('\n') };
    }
    if (args[0] === 'rm') {
      const filter = args[args.indexOf('--filter') + 1]?.match(/^label=([^=]+)=(.*)$/);
      const ids = filter
        ? present.filter((c) => c.labels[filter[1]!] === filter[2]).map((c) => c.id)
        : args.filter((a) => /^[0-9a-f]{64}$/.test(a));
      let gone = ids;
      let res = ok;
      if (fail) {
        fail = false;
        gone = ids.slice(1);
        res = { ...ok, exitCode: 125, stderr: 'Error: container state improper' };
      }
      removed.push(...present.filter((c) => gone.includes(c.id)));
      present = present.filter((c) => !gone.includes(c.id));
      return { ...res, stdout: gone.join('\n') };
    }
    return { ...ok, exitCode: 125, stderr: `unexpected podman ${args.join(' ')}` };
  };
  // containers/storage's records of the same containers (apply/storage.ts), read by the test's
  // own count, as the files would be
  const reads = { containers: 0, images: 0 };
  const storage: Storage = {
    root: '/fake/storage',
    containers() {
      reads.containers++;
      return present.map((c) => ({ id: c.id, names: c.names }));
    },
    images() {
      reads.images++;
      return { names: new Set(['localhost/busybox:latest']), ids: new Set([hex(9)]) };
    },
  };
  return { exec, calls, present: () => present, storage, reads };
}
