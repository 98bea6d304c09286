// src/apply/inputs.ts: the identity of the files a unit reads when it runs (a .build's context,
// a .kube's YAML), and that finit-pods' own directories are never part of it.

import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t from 'tap';
import { hashInput } from '../../src/apply/inputs.js';
import type { Runner } from '../../src/apply/run.js';
import { sync } from '../../src/apply/sync.js';
import { tempConfig } from '../helpers/config.js';
import { BUSYBOX, fakeFinit } from '../helpers/fakes.js';

const sha = (h: ReturnType<typeof hashInput>) => ('sha256' in h ? h.sha256 : h.error);

t.test('a file by its content, a directory by its names, sizes and times', async (t) => {
  const dir = t.testdir({ 'app.yaml': 'a: 1\n', ctx: { Containerfile: 'FROM x\n', sub: { f: 'one' } } });
  const yaml = join(dir, 'app.yaml');
  const before = sha(hashInput(yaml));
  t.match(before, /^[0-9a-f]{64}$/);
  utimesSync(yaml, 1, 1);
  t.equal(sha(hashInput(yaml)), before, 'a file: its content, not its time');
  writeFileSync(yaml, 'a: 2\n');
  t.not(sha(hashInput(yaml)), before);

  const ctx = join(dir, 'ctx');
  const c0 = sha(hashInput(ctx));
  t.equal(sha(hashInput(ctx)), c0, 'the same directory, the same hash');
  writeFileSync(join(ctx, 'sub/f'), 'two!');
  t.not(sha(hashInput(ctx)), c0, 'a file deeper down changed');

  const missing = hashInput(join(dir, 'nope'));
  t.match('error' in missing && missing.error, /nope: no such file/);
});

t.test('the directories it is told to skip are left out wherever they lie', async (t) => {
  const dir = t.testdir({ ctx: { Containerfile: 'FROM x\n', own: { 'pod-a.conf': 'x' } } });
  const ctx = join(dir, 'ctx');
  const skip = new Set([join(ctx, 'own')]);
  const h0 = sha(hashInput(ctx, skip));
  writeFileSync(join(ctx, 'own/pod-b.conf'), 'a stanza written by a sync');
  utimesSync(join(ctx, 'own'), 5, 5);
  t.equal(sha(hashInput(ctx, skip)), h0, 'what happens in a skipped directory does not count');
  t.not(sha(hashInput(ctx)), h0, 'without the skip it would');
});

t.test(
  'a .build whose context holds finit-pods own directories: a second sync changes nothing',
  async (t) => {
    const cfg = tempConfig(t);
    const root = dirname(cfg.unitsDir); // holds units/, enabled/ and run/
    mkdirSync(join(root, 'src'));
    writeFileSync(join(root, 'src/Containerfile'), 'FROM localhost/busybox:latest\n');
    writeFileSync(
      join(cfg.unitsDir, 'app.build'),
      `[Build]\nImageTag=localhost/app\nSetWorkingDirectory=${root}\nFile=src/Containerfile\n`,
    );
    writeFileSync(join(cfg.unitsDir, 'web.container'), '[Container]\nImage=app.build\nExec=sleep 1000\n');
    // a podman that keeps what was built: its image, and the label saying from what
    let label: string | undefined;
    const builds: string[] = [];
    const exec: Runner = async (_file, args) => {
      const ok = (stdout = '') => ({ exitCode: 0, stdout, stderr: '', timedOut: false });
      if (args[0] === 'build') {
        builds.push(args.join(' '));
        label = args[args.indexOf('--label') + 1]?.split('=')[1];
        return ok();
      }
      if (args[0] === 'images')
        return ok(
          JSON.stringify([{ Id: 'a1', Names: [BUSYBOX, ...(label ? ['localhost/app:latest'] : [])] }]),
        );
      if (args[0] === 'image' && args[1] === 'inspect') return ok(label ?? '');
      if (args[0] === 'ps') return ok('[]');
      return ok();
    };
    const host = { finit: fakeFinit(), exec };
    const first = await sync(cfg, host);
    t.equal(first.units.find((u) => u.pod === 'web')?.state, 'applied', 'built, then the pod applied');
    t.equal(builds.length, 1);
    const second = await sync(cfg, host);
    t.same(second.written, [], 'nothing written again');
    t.equal(second.reloaded, false);
    t.equal(builds.length, 1, 'not built again: the context did not change');
  },
);
