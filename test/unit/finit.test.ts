// The Finit adapter (src/apply/finit.ts): what Finit's condition files say.

import { join } from 'node:path';
import t from 'tap';
import { condFromFiles } from '../../src/apply/finit.js';
import { READY_CONDITION as READY } from '../../src/render/stanza.js';

t.test("condFromFiles: what Finit's condition files say about usr/NAME", async (t) => {
  const on = t.testdir({ usr: { [READY]: t.fixture('symlink', '/dev/null') } });
  t.equal(condFromFiles(READY, on), true, 'usr/NAME there: set');
  t.equal(condFromFiles(READY, t.testdir({ usr: { other: '' } })), false, 'usr/ without NAME: not set');
  // Finit 4.12 boots with no usr/ at all: it appears with the first usr/ condition set
  t.equal(condFromFiles(READY, t.testdir({ service: {} })), false, 'no usr/ yet: not set');
  t.equal(
    condFromFiles(READY, join(t.testdirName, 'none')),
    undefined,
    'no condition directory: cannot tell',
  );
});
