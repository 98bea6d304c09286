// The translator's entry points (src/model/translate.ts): translateDir throws only when the
// directory cannot be listed; translateFile gives for one unit what translateDir gives, and a
// FIFO beside the unit never blocks it.

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { translateDir, translateFile } from '../../src/model/translate.js';

t.test('translateDir throws only when the directory cannot be listed', async (t) => {
  t.throws(() => translateDir('/nonexistent/finit-pods-units'));
  t.same(translateDir(t.testdir({})).results, []);
});

t.test('translateFile gives what translateDir gives for each unit of the directory', async (t) => {
  const dir = t.testdir({
    'a.container':
      '[Container]\nImage=x\nNetwork=z.network\nNetwork=b.container\nVolume=v.volume:/v\nAfter=c.container\n',
    'b.container': '[Container]\nImage=x\nContainerName=bee\nNetwork=z.network:ip=10.0.0.2\n',
    'c.container': '[Container]\nImage=x\nNetwork=missing.network\nWants=gone.container\n',
    'web@.container': '[Container]\nImage=x\nNetwork=n@.network\n',
    'web@1.container': t.fixture('symlink', 'web@.container'),
    'n@.network': '[Network]\nNetworkName=net-%i\n',
    'v.volume': '[Volume]\nVolumeName=vol-%N\n',
    'z.network': '[Network]\n',
    'container.d': { '10-x.conf': '[Container]\nLabel=dropin=yes\n' },
    'z.network.d': { '10-name.conf': '[Network]\nNetworkName=zed\n' },
  });
  const whole = translateDir(dir).results;
  t.same(
    whole.map((r) => translateFile(r.path)),
    whole,
  );
  const argvOf = (f: string) => {
    const m = whole.find((r) => r.name.filename === f)?.model;
    return m?.kind === 'container' ? m.runArgs : undefined;
  };
  // the references resolved: drop-ins included, specifiers expanded
  const label = ['--label', 'dropin=yes'];
  t.same(argvOf('a.container'), [
    ...['--name', 'a', '--network', 'zed', '--network', 'container:bee', '-v', 'vol-v:/v'],
    ...label,
  ]);
  t.same(argvOf('web@1.container'), ['--name', 'web_1', '--network', 'net-1', ...label]);
  t.equal(whole.find((r) => r.name.filename === 'c.container')?.ok, false);
});

t.test('translateFile: a FIFO beside the file never blocks it (it is named, never read)', async (t) => {
  const dir = t.testdir({
    'web.container': '[Container]\nImage=x\nNetwork=net.network\n',
    'net.network': '[Network]\nNetworkName=n1\n',
  });
  // a FIFO with no writer: reading it would block, so the test would time out
  execFileSync('mkfifo', [join(dir, 'other.container')]);
  const r = translateFile(join(dir, 'web.container'));
  t.equal(r.ok, true);
  t.same(r.model?.kind === 'container' && r.model.runArgs, ['--name', 'web', '--network', 'n1']);
});
