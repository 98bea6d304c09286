// podman's run options kept across boots (src/apply/run-options.ts runOptionsOf): read from
// `podman run --help` once per podman program, kept in STATE_DIR/run-options.json, read again
// when the program is another file; the file only saves the call, a failed call still fails.

import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { podmanCli } from '../../src/apply/podman.js';
import { runOptionsOf, unknownRunOptions } from '../../src/apply/run-options.js';
import { fakeRunner, runHelp } from '../helpers/fakes.js';

function setup(t: Test, help = runHelp('4.3.1')) {
  const dir = t.testdir({ bin: { podman: '#!/bin/sh\n' } });
  const program = join(dir, 'bin', 'podman');
  const exec = fakeRunner({ [`${program} run --help`]: { stdout: help } });
  const helps = () => exec.calls.filter((c) => c.endsWith(' run --help')).length;
  return { dir, program, exec, podman: podmanCli(program, exec), helps, state: join(dir, 'state') };
}

t.test('read once per podman program, kept across runs', async (t) => {
  const { program, podman, helps, state } = setup(t);
  const first = await runOptionsOf(podman, program, state);
  t.equal(helps(), 1, 'the first read asks podman');
  t.ok(existsSync(join(state, 'run-options.json')), 'and keeps what it said');
  const again = await runOptionsOf(podman, program, state);
  t.equal(helps(), 1, 'the same program: not asked again');
  t.same([...again], [...first], 'the same options');
  t.same(unknownRunOptions(['--health-startup-cmd', 'x'], again), ['--health-startup-cmd'], 'still 4.3.1');

  // an upgrade replaces the program: another file, read again
  writeFileSync(program, '#!/bin/sh\n# podman 5\n');
  await runOptionsOf(podman, program, state);
  t.equal(helps(), 2, 'another program: asked again');
  utimesSync(program, new Date(), new Date(Date.now() + 5000));
  await runOptionsOf(podman, program, state);
  t.equal(helps(), 3, 'the same file touched: asked again');
});

t.test('without a state directory, podman is asked every time', async (t) => {
  const { program, podman, helps } = setup(t);
  await runOptionsOf(podman, program);
  await runOptionsOf(podman, program);
  t.equal(helps(), 2);
});

t.test('a file that cannot be read or written only costs the call', async (t) => {
  const { program, podman, helps, state } = setup(t);
  mkdirSync(state);
  writeFileSync(join(state, 'run-options.json'), '{"identity": 3');
  const opts = await runOptionsOf(podman, program, state);
  t.equal(helps(), 1, 'a corrupt file: podman asked');
  t.ok(opts.has('--env'), 'and its answer used');
  t.match(readFileSync(join(state, 'run-options.json'), 'utf8'), /"--env":true/, 'and kept');

  const other = setup(t);
  writeFileSync(other.state, 'a file where the directory would be');
  const o = await runOptionsOf(other.podman, other.program, other.state);
  t.ok(o.has('--env'), 'a state directory that cannot be made: the options all the same');
});

t.test('a failed call fails: never read as "no options" or "every option"', async (t) => {
  const { dir, state } = setup(t);
  const program = join(dir, 'bin', 'podman');
  const exec = fakeRunner({ [`${program} run --help`]: { exitCode: 125, stderr: 'Error: boom' } });
  await t.rejects(runOptionsOf(podmanCli(program, exec), program, state), /podman run --help failed/);
  t.notOk(existsSync(join(state, 'run-options.json')), 'nothing kept');
});
