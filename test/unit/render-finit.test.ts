// What finit-pods knows of each Finit version (src/render/finit.ts): the capabilities the stanzas
// follow, and the version read from `initctl version`.

import t from 'tap';
import { finitCaps, parseFinitVersion } from '../../src/render/finit.js';

t.test('Finit capabilities by version', async (t) => {
  t.same(finitCaps('4.2'), {
    version: '4.2',
    maxId: 15,
    maxKill: 60,
    serviceConditions: false,
    restartAlways: false,
    maxArg: 63,
  });
  t.match(finitCaps('4.12'), { maxId: 15, maxKill: 60, serviceConditions: true, restartAlways: true });
  t.match(finitCaps('4.14'), { maxId: 15, maxKill: 300, maxArg: 255 });
  t.match(finitCaps('4.12'), { maxArg: 63 }, 'an argument of 64 bytes restarts the service at every reload');
  t.match(finitCaps('4.13'), { maxArg: 255 });
  t.match(finitCaps('4.17'), { maxId: 64, maxKill: 300, serviceConditions: true });
  t.equal(parseFinitVersion('Finit 4.12\nBug report address: x'), '4.12');
  t.equal(parseFinitVersion('Finit v4.17.1'), '4.17.1');
  t.equal(parseFinitVersion('nothing'), undefined);
});
