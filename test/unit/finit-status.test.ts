// Finit's status in both forms (src/apply/finit-status.ts): the 4.2 text table and the JSON of
// `initctl -j status` (4.4+).

import t from 'tap';
import { parseStatusJson, parseStatusTable } from '../../src/apply/finit-status.js';
import { JSON_412, TABLE_42 } from '../helpers/initctl.js';

// `initctl -p -t status` with the header (`-p` without `-t`)
const TABLE_HEADER = `PID  IDENT    STATUS   RUNLEVELS    DESCRIPTION
================================================================================
302  pod:net  running  [--2345----] Podman container net
`;
// `initctl -j status` on Finit 4.12 (trixie), abridged

t.test('parseStatusTable: the 4.2 text table', async (t) => {
  t.same(parseStatusTable(TABLE_42), [
    { pid: 302, identity: 'pod:net', status: 'running' },
    { pid: 0, identity: 'pod:web', status: 'ready' },
    { pid: 0, identity: 'pod:bad', status: 'crashed' },
    { pid: 17, identity: 'hand:other', status: 'halted' },
  ]);
  t.same(
    parseStatusTable(TABLE_HEADER),
    [{ pid: 302, identity: 'pod:net', status: 'running' }],
    'the header and the rule are not rows',
  );
  t.same(parseStatusTable(''), [], 'no services');
  t.same(parseStatusTable('initctl: no such command\n'), [], 'an error message is not a row');
  for (const s of parseStatusTable(TABLE_42)) t.notOk('restarts' in s, `${s.identity}: no restart count`);
});

t.test('parseStatusJson: initctl -j status (4.4+)', async (t) => {
  t.same(parseStatusJson(JSON_412), [
    { identity: 'keventd', status: 'running', pid: 120, restarts: 0, uptime: 99 },
    { identity: 'pod:web', status: 'crashed', pid: 0, restarts: 10 },
  ]);
  t.same(parseStatusJson('[]'), []);
  // before 4.16, -j does not escape quotes in strings: the caller falls back to the table
  t.throws(() => parseStatusJson('[{"identity":"x","description":"say "hi"","status":"running","pid":1}]'));
});
