// The command table: each command lives in commands/NAME.ts with its help beside its code, and
// imports what it depends on.

import type { Command } from './command.js';

export type { Command } from './command.js';

// One lazy import per command, so a command loads only its own dependencies: static imports here
// made every start slower (docs/performance.md, "Starting a command").
export const commands = new Map<string, () => Promise<Command>>([
  ['check', async () => (await import('./commands/check.js')).checkCommand],
  ['render', async () => (await import('./commands/render.js')).renderCommand],
  ['sync', async () => (await import('./commands/sync.js')).syncCommand],
  ['daemon', async () => (await import('./commands/daemon.js')).daemonCommand],
  ['cleanup', async () => (await import('./commands/cleanup.js')).cleanupCommand],
  ['status', async () => (await import('./commands/status.js')).statusCommand],
  ['show', async () => (await import('./commands/show.js')).showCommand],
  ['doctor', async () => (await import('./commands/doctor.js')).doctorCommand],
  ['import', async () => (await import('./commands/import.js')).importCommand],
  ['quadlet', async () => (await import('./commands/quadlet.js')).quadletCommand],
  ['auto-update', async () => (await import('./commands/auto-update.js')).autoUpdateCommand],
]);

/** The overview: one line per command, with its summary (so it loads every command). */
export async function usage(): Promise<string> {
  const width = Math.max(...[...commands.keys()].map((k) => k.length));
  const lines = await Promise.all(
    [...commands].map(async ([k, load]) => `  ${k.padEnd(width)}  ${(await load()).summary}`),
  );
  return `Usage: finit-pods COMMAND [OPTIONS]

Podman Quadlet units (NAME.container, NAME.network, NAME.volume) supervised by Finit.

Commands:
${lines.join('\n')}

Run "finit-pods COMMAND --help" for a command's options.
`;
}
