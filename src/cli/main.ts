#!/usr/bin/env node
// finit-pods command line: a thin edge that parses arguments and hands over to the commands.

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  // first of all: the daemon's podman call at boot
  if (cmd === 'daemon' && !rest.includes('--help') && !rest.includes('-h')) await startBootRemoval(rest);
  const { commands, usage } = await import('./commands.js');
  if (cmd === undefined || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    const sub = cmd === 'help' ? rest[0] : undefined;
    const load = sub ? commands.get(sub) : undefined;
    process.stdout.write(load ? (await load()).help : await usage());
    return 0;
  }
  if (cmd === '--version' || cmd === '-V') {
    process.stdout.write(`finit-pods ${process.env.npm_package_version ?? (await version())}\n`);
    return 0;
  }
  const load = commands.get(cmd);
  if (!load) {
    process.stderr.write(`finit-pods: unknown command "${cmd}"\n\n${await usage()}`);
    return 2;
  }
  const c = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(c.help);
    return 0;
  }
  return c.run(rest);
}

/**
 * At boot, the daemon's first podman call (removing finit-pods' own leftovers, see
 * apply/boot-start.ts) starts before the commands and the daemon are loaded: the pods wait for
 * podman, not for Node. Only with a command line the daemon accepts; it reports any other.
 */
async function startBootRemoval(args: string[]): Promise<void> {
  const { parseArgs } = await import('node:util');
  const { DAEMON_OPTIONS, syncConfig } = await import('./config.js');
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args, options: DAEMON_OPTIONS }).values;
  } catch {
    return;
  }
  const { startOwnRemoval } = await import('../apply/boot-start.js');
  startOwnRemoval(syncConfig(values));
}

/**
 * Ends a one-shot command as soon as its output is written: left to end by itself, Node first
 * tears down the heap a large `check` has grown, which the user waits for. The daemon ends by
 * itself, after its logger has flushed.
 */
async function exitNow(code: number): Promise<void> {
  for (const s of [process.stdout, process.stderr]) {
    if (s.writableLength > 0) await new Promise((resolve) => s.once('drain', resolve));
  }
  process.exit(code);
}

async function version(): Promise<string> {
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

main(process.argv.slice(2)).then(
  async (code) => {
    process.exitCode = code;
    if (process.argv[2] !== 'daemon') await exitNow(code);
  },
  (e: unknown) => {
    process.stderr.write(`finit-pods: ${e instanceof Error ? e.message : String(e)}\n`);
    // bad usage (an unknown option, a missing value) is 2, like every command's own usage errors
    const code = (e as { code?: string }).code ?? '';
    process.exitCode = code.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  },
);
