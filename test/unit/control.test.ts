// The control socket (src/daemon/control.ts): requests and answers, mode 0600, a stale socket
// replaced, a second daemon refused.

import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { listenControl, ping, request } from '../../src/daemon/control.js';

t.test('control socket', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fp-control-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sock = join(dir, 'control.sock');

  t.test('no daemon: request() answers undefined, ping() false', async (t) => {
    t.equal(await request(join(dir, 'absent.sock'), { cmd: 'status' }, 1_000), undefined, 'undefined');
    t.equal(await ping(join(dir, 'absent.sock')), false, 'ping false');
  });

  t.test('requests and answers, mode 0600, umask restored', async (t) => {
    const umask = process.umask();
    const seen: string[] = [];
    const server = await listenControl(sock, async (req) => {
      seen.push(req.cmd);
      if (req.cmd === 'ping') return { ok: true };
      if (req.cmd === 'fail') throw new Error('it failed');
      return { echo: req.cmd };
    });
    t.teardown(() => new Promise<void>((r) => server.close(() => r())));
    t.equal(process.umask(), umask, 'the process umask is restored');
    const st = lstatSync(sock);
    t.ok(st.isSocket(), 'a UNIX socket');
    t.equal(st.mode & 0o777, 0o600, 'mode 0600');
    t.same(await request(sock, { cmd: 'status' }, 2_000), { echo: 'status' }, 'answer to status');
    t.equal(await ping(sock), true, 'ping true');
    t.same(
      await request(sock, { cmd: 'fail' }, 2_000),
      { error: 'it failed' },
      'a handler error is an answer',
    );
    t.same(seen, ['status', 'ping', 'fail'], 'the handler saw each request');

    // raw: two requests in one write, a line that is not JSON, a request split over writes
    const lines = await new Promise<string[]>((resolve, reject) => {
      const c = connect(sock);
      let buf = '';
      c.setEncoding('utf8');
      c.on('data', (d: string) => {
        buf += d;
        const got = buf.split('\n').filter(Boolean);
        if (got.length === 4) {
          c.end();
          resolve(got);
        }
      });
      c.on('error', reject);
      c.write('{"cmd":"a"}\n{"cmd":"b"}\nnot json\n{"cmd":');
      setTimeout(() => c.write('"c"}\n'), 20);
    });
    t.same(
      lines.map((l) => JSON.parse(l)).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
      [{ echo: 'a' }, { echo: 'b' }, { echo: 'c' }, { error: 'not JSON' }].sort((x, y) =>
        JSON.stringify(x).localeCompare(JSON.stringify(y)),
      ),
      'one JSON answer per line, including for a line that is not JSON',
    );

    // a second daemon on the same socket is refused, and the first keeps answering
    await t.rejects(
      listenControl(sock, async () => ({ other: true })),
      /another finit-pods daemon answers on/,
      'a second listener is refused',
    );
    t.same(await request(sock, { cmd: 'x' }, 2_000), { echo: 'x' }, 'the first still answers');
  });

  t.test('a handler that never answers: request() times out', async (t) => {
    const path = join(dir, 'slow.sock');
    const server = await listenControl(path, () => new Promise(() => undefined));
    t.teardown(() => new Promise<void>((r) => server.close(() => r())));
    await t.rejects(request(path, { cmd: 'sync' }, 200), /did not answer within 0.2 s/, 'rejected');
  });

  t.test('a stale socket (its daemon was killed) is replaced', async (t) => {
    const path = join(dir, 'stale.sock');
    // a process that listens and dies by SIGKILL leaves its socket file behind
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
      ],
      { timeout: 10_000 },
    );
    t.equal(r.signal, 'SIGKILL', 'the first daemon was killed');
    t.ok(existsSync(path) && lstatSync(path).isSocket(), 'its socket file is left behind');
    t.equal(await ping(path), false, 'nothing answers on it');
    const server = await listenControl(path, async () => ({ fresh: true }));
    t.teardown(() => new Promise<void>((r) => server.close(() => r())));
    t.same(await request(path, { cmd: 'status' }, 2_000), { fresh: true }, 'the new daemon answers');
    t.equal(statSync(path).mode & 0o777, 0o600, 'mode 0600');
  });

  t.test('a plain file in the way is replaced too', async (t) => {
    const path = join(dir, 'file.sock');
    writeFileSync(path, 'junk');
    const server = await listenControl(path, async () => ({ ok: 1 }));
    t.teardown(() => new Promise<void>((r) => server.close(() => r())));
    t.same(await request(path, { cmd: 'x' }, 2_000), { ok: 1 }, 'answers');
  });
});
