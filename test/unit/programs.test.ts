// src/lib/programs.ts: finding an installed program as a shell does, and findInitctl through it.

import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { findInitctl } from '../../src/apply/finit.js';
import { findProgram } from '../../src/lib/programs.js';

t.test('findProgram: the first executable file of that name in PATH, then in the places given', async (t) => {
  const dir = t.testdir({
    a: { tool: '#!/bin/sh\n', plain: 'x', sub: {} },
    b: {},
    c: { tool: '#!/bin/sh\n' },
  });
  chmodSync(join(dir, 'a/tool'), 0o755);
  chmodSync(join(dir, 'a/sub'), 0o755);
  chmodSync(join(dir, 'c/tool'), 0o755);
  t.equal(findProgram('tool', { path: `${dir}/b:${dir}/a` }), join(dir, 'a/tool'));
  t.equal(findProgram('plain', { path: `${dir}/a` }), undefined, 'not executable');
  t.equal(findProgram('sub', { path: `${dir}/a` }), undefined, 'a directory');
  t.equal(findProgram('tool', { path: `${dir}/b` }), undefined);
  t.equal(
    findProgram('tool', { path: `${dir}/b`, also: [join(dir, 'a/plain'), join(dir, 'c/tool')] }),
    join(dir, 'c/tool'),
    'then the places given, in order',
  );
  t.equal(findProgram('tool', { path: `${dir}/a:${dir}/c` }), join(dir, 'a/tool'), 'PATH order');
});

t.test('findInitctl: $FINIT_PODS_INITCTL, then PATH', async (t) => {
  const dir = t.testdir({ initctl: '#!/bin/sh\n' });
  chmodSync(join(dir, 'initctl'), 0o755);
  t.equal(findInitctl({ FINIT_PODS_INITCTL: '/x/initctl', PATH: dir }), '/x/initctl');
  t.equal(findInitctl({ PATH: `/nonexistent:${dir}` }), join(dir, 'initctl'));
});
