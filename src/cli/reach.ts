// How a command reaches Finit and podman's storage. Apart from command.ts so that check and
// render, which reach neither, do not load initctl's runner (node:child_process) at every start.

import { basename } from 'node:path';
import { type Finit, findInitctl, initctlFinit } from '../apply/finit.js';
import { hostStorage, type Storage } from '../apply/storage.js';
import { err } from './command.js';

/**
 * Finit through the initctl found on this machine, or undefined once the command has said
 * (naming itself) that there is none: a command that must reach Finit cannot go on without it.
 */
export function reachFinit(command: string): Finit | undefined {
  const initctl = findInitctl();
  if (!initctl) {
    err(`finit-pods ${command}: initctl not found (set FINIT_PODS_INITCTL)\n`);
    return undefined;
  }
  return initctlFinit(initctl);
}

/**
 * containers/storage's records for boot recovery to read (apply/storage.ts), or why not. They are
 * podman's own only when podman reads its usual configuration: a wrapper in its place may give it
 * another store (--root), so then podman is asked.
 */
export async function bootStorage(podman: string): Promise<Storage | { unsupported: string }> {
  if (basename(podman) !== 'podman')
    return { unsupported: `${podman} is not podman itself (a wrapper may use another store)` };
  return hostStorage();
}
