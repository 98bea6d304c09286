// What the benchmarks share: a sandbox of the testbed (tools/testbed -s STACK -n NAME) as a
// function of its arguments, with a timeout, its output as text, extra binds at its starts.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');

/** `tb(...args)` runs tools/testbed ARGS on sandbox NAME of STACK; `binds` as FINIT_PODS_TESTBED_BINDS. */
export function testbed(stack, name, binds) {
  const env = binds === undefined ? process.env : { ...process.env, FINIT_PODS_TESTBED_BINDS: binds };
  return (...args) =>
    execFileSync(join(repo, 'tools/testbed'), ['-s', stack, '-n', name, ...args], {
      encoding: 'utf8',
      timeout: 600_000,
      maxBuffer: 1 << 26,
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
}
