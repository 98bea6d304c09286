// The daemon's parts that need no machine: the apply loop (coalescing, one apply at a time, every
// request answered by an apply that started after it), which paths in the units directory matter
// (isRelevant), the text log format, and the control socket (mode 0600, stale socket replaced,
// a second daemon refused).

import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Finit } from '../../src/apply/finit.js';
import type { SyncReport } from '../../src/apply/sync.js';
import { listenControl, ping, request } from '../../src/daemon/control.js';
import { controlPath, Daemon, isRelevant, unitsFingerprint } from '../../src/daemon/daemon.js';
import { makeLogger, textLine } from '../../src/daemon/log.js';
import { ApplyLoop } from '../../src/daemon/loop.js';
import { readState } from '../../src/daemon/state.js';
import { tempConfig } from '../helpers/config.js';
import { fakeHost } from '../helpers/fakes.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A promise and its resolver, to hold an apply in progress until the test lets it finish. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => {
    open = r;
  });
  return { promise, open };
}

/** Polls until `f()` is true (at most 5 s). */
async function until(f: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!f()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

t.test('ApplyLoop', async (t) => {
  t.test('requests before the delay ends are one apply, all answered with its result', async (t) => {
    const calls: string[][] = [];
    const loop = new ApplyLoop(async (reasons) => {
      calls.push(reasons);
      return calls.length;
    }, 20);
    const answers = await Promise.all([loop.request('a'), loop.request('b'), loop.request('a')]);
    t.same(answers, [1, 1, 1], 'every request gets the result of the one apply');
    t.same(calls, [['a', 'b']], 'one apply, reasons deduplicated in order');
    t.equal(loop.count, 1, 'count is 1');
    await loop.stop();
  });

  t.test('N requests during one apply give exactly one more apply', async (t) => {
    const g = gate();
    const calls: string[][] = [];
    let running = 0;
    const loop = new ApplyLoop(async (reasons) => {
      calls.push(reasons);
      running++;
      if (calls.length === 1) await g.promise;
      running--;
      return calls.length;
    }, 5);
    const first = loop.request('first');
    await until(() => running === 1, 'the first apply to start');
    const during = Array.from({ length: 10 }, (_, i) => loop.request(`during-${i}`));
    await sleep(30); // far longer than the delay: the loop must still not start a second apply
    t.equal(calls.length, 1, 'no second apply while the first runs');
    g.open();
    t.equal(await first, 1, 'the first request is answered by the first apply');
    t.same(await Promise.all(during), Array(10).fill(2), 'the 10 later ones by the second apply');
    t.equal(calls.length, 2, 'two applies in all');
    t.same(
      calls[1],
      Array.from({ length: 10 }, (_, i) => `during-${i}`),
      'the second apply carries the 10 reasons',
    );
    await sleep(30);
    t.equal(loop.count, 2, 'and nothing runs afterwards');
    await loop.stop();
  });

  t.test('never two applies at once; each request answered by an apply that started after it', async (t) => {
    let clock = 0; // a logical clock: request and apply-start events in order
    let running = 0;
    let maxRunning = 0;
    const starts: number[] = []; // apply i started at starts[i - 1]
    const loop = new ApplyLoop(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      starts.push(++clock);
      const n = starts.length;
      await sleep(1 + ((n * 7) % 5));
      running--;
      return n;
    }, 1);
    const pending: Promise<void>[] = [];
    const checks: { at: number; apply: number }[] = [];
    for (let i = 0; i < 60; i++) {
      const at = ++clock;
      pending.push(
        loop.request(`r${i}`).then((apply) => {
          checks.push({ at, apply });
        }),
      );
      await sleep((i * 13) % 4);
    }
    await Promise.all(pending);
    t.equal(maxRunning, 1, 'at most one apply at a time');
    t.equal(checks.length, 60, 'every request answered');
    const late = checks.filter((c) => starts[c.apply - 1]! <= c.at);
    t.same(late, [], 'every answer comes from an apply that started after the request');
    t.ok(loop.count < 60, `requests were coalesced (${loop.count} applies for 60 requests)`);
    await loop.stop();
  });

  t.test('a failed apply rejects its requests; the next request applies again', async (t) => {
    let n = 0;
    const loop = new ApplyLoop(async () => {
      n++;
      if (n === 1) throw new Error('boom');
      return n;
    }, 1);
    await t.rejects(Promise.all([loop.request('a'), loop.request('b')]), /boom/, 'both rejected');
    t.equal(await loop.request('c'), 2, 'the loop keeps working');
    await loop.stop();
  });

  t.test('stop() waits for the apply in progress and refuses new requests', async (t) => {
    const g = gate();
    let finished = false;
    const loop = new ApplyLoop(async () => {
      await g.promise;
      finished = true;
      return 1;
    }, 1);
    const first = loop.request('a');
    await sleep(10);
    const stopped = loop.stop();
    g.open();
    await stopped;
    t.ok(finished, 'the apply in progress finished before stop() returned');
    t.equal(await first, 1, 'and its request was answered');
    await t.rejects(loop.request('b'), /stopping/, 'new requests are refused');
  });

  t.test('stop() rejects requests still waiting for their apply', async (t) => {
    const loop = new ApplyLoop(async () => 1, 1_000);
    const p = loop.request('a');
    await loop.stop();
    await t.rejects(p, /stopping/, 'rejected');
    t.equal(loop.count, 0, 'no apply ran');
  });
});

t.test('isRelevant', async (t) => {
  const dir = '/cfg/containers';
  const yes = [
    dir,
    `${dir}/web.container`,
    `${dir}/web@.container`,
    `${dir}/web@1.container`,
    `${dir}/app.network`,
    `${dir}/data.volume`,
    `${dir}/web.kube`,
    `${dir}/web.container.d`,
    `${dir}/container.d`,
    `${dir}/web-.container.d`,
    `${dir}/web.container.d/10-env.conf`,
    `${dir}/container.d/50-all.conf`,
    `${dir}/web@.container.d/x.conf`,
  ];
  const no = [
    // editor and tool leftovers
    `${dir}/web.container~`,
    `${dir}/.web.container.swp`,
    `${dir}/web.container.swp`,
    `${dir}/.web.container.swx`,
    `${dir}/4913`,
    `${dir}/#web.container#`,
    `${dir}/.#web.container`,
    `${dir}/web.container.tmp`,
    `${dir}/web.container.bak`,
    `${dir}/web.container.orig`,
    `${dir}/web.container.rej`,
    `${dir}/web.container.dpkg-new`,
    // dotfiles, whatever they are called
    `${dir}/.web.container`,
    `${dir}/.hidden`,
    `${dir}/.web.container.d`,
    // not units
    `${dir}/README`,
    `${dir}/notes.txt`,
    `${dir}/web.service`,
    `${dir}/web.conf`,
    // in a drop-in directory: only *.conf, and no leftovers
    `${dir}/web.container.d/notes.txt`,
    `${dir}/web.container.d/10-env.conf~`,
    `${dir}/web.container.d/.10-env.conf.swp`,
    `${dir}/web.container.d/.10-env.conf`,
    `${dir}/web.container.d/4913`,
    // deeper than a drop-in, or in a directory that is not one
    `${dir}/web.container.d/sub/x.conf`,
    `${dir}/sub/x.conf`,
    `${dir}/sub/web.container`,
    // outside the units directory
    '/cfg/web.container',
    '/cfg',
  ];
  for (const p of yes) t.equal(isRelevant(dir, p), true, `relevant: ${p}`);
  for (const p of no) t.equal(isRelevant(dir, p), false, `ignored: ${p}`);
});

t.test('textLine and makeLogger', async (t) => {
  t.equal(
    textLine(
      '{"level":30,"time":1700000000000,"unit":"/cfg/containers/web.container","msg":"applied pod:web"}',
    ),
    'info: applied pod:web unit=/cfg/containers/web.container\n',
    'level word, message, key=value; the time is left out (syslog adds it)',
  );
  t.equal(textLine('{"level":50,"msg":"boom"}'), 'error: boom\n', 'no fields: no trailing space');
  t.equal(textLine('{"level":40,"msg":"w","n":3,"ok":true}'), 'warn: w n=3 ok=true\n', 'numbers, booleans');
  t.equal(
    textLine('{"level":30,"msg":"initctl reload","reasons":["add /cfg/containers/a.container","relist"]}'),
    'info: initctl reload reasons="[\\"add /cfg/containers/a.container\\",\\"relist\\"]"\n',
    'arrays as JSON, quoted because of the space and quotes',
  );
  t.equal(
    textLine('{"level":30,"msg":"m","a":"two words","b":"x=y","c":"","d":"say \\"hi\\""}'),
    'info: m a="two words" b="x=y" c="" d="say \\"hi\\""\n',
    'spaces, = and quotes are quoted; an empty value is ""',
  );
  t.equal(textLine('{"level":35}'), '35: \n', 'unknown level: its number; no message: empty');
  for (const [n, w] of [
    [10, 'trace'],
    [20, 'debug'],
    [60, 'fatal'],
  ] as const)
    t.equal(textLine(`{"level":${n},"msg":"x"}`), `${w}: x\n`, `level ${n} is ${w}`);

  const text: string[] = [];
  const tl = makeLogger('text', { write: (s: string) => text.push(s) });
  tl.info({ unit: 'a.container' }, 'applied pod:a');
  tl.debug('not shown at the default level');
  tl.error({ errors: ['a.container:3: error: x'] }, 'skipped a.container');
  t.same(
    text,
    [
      'info: applied pod:a unit=a.container\n',
      'error: skipped a.container errors="[\\"a.container:3: error: x\\"]"\n',
    ],
    'text logger: one line per event, no pid/hostname/time',
  );

  const json: string[] = [];
  const jl = makeLogger('json', { write: (s: string) => json.push(s) });
  jl.info({ reasons: ['start'] }, 'initctl reload');
  t.equal(json.length, 1, 'json logger: one line');
  t.ok(json[0]!.endsWith('\n'), 'ending in a newline');
  const rec = JSON.parse(json[0]!) as Record<string, unknown>;
  t.same(
    { level: rec.level, msg: rec.msg, reasons: rec.reasons },
    { level: 30, msg: 'initctl reload', reasons: ['start'] },
    'pino JSON with level, msg and the fields',
  );
  t.type(rec.time, 'number', 'with a time');
  t.notOk('pid' in rec || 'hostname' in rec, 'without pid and hostname');
});

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

// ------------------------------------------------------------------ the Daemon, with fakes

const unit = (n: string) => `[Container]\nImage=localhost/busybox:latest\nExec=sleep ${n}\n`;

t.test('Daemon (real watch on a temporary directory; fake Finit and Podman)', async (t) => {
  const cfg = tempConfig(t, {}, '/fake/podman');
  const f = fakeHost(cfg.podman);
  const lines: string[] = [];
  const log = makeLogger('json', { write: (s: string) => lines.push(s) });
  const msgs = () => lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
  const d = new Daemon(cfg, { log, finit: f.finit, exec: f.exec, debounceMs: 20, dirCheckMs: 50 });
  t.teardown(() => d.stop());
  const stanzas = () => readdirSync(cfg.stanzaDir).filter((x) => /^pod-.*\.conf$/.test(x));
  const state = () => readState(cfg.runDir);
  const sock = controlPath(cfg.runDir);
  const wait = (f: () => boolean, what: string) => until(f, what);

  await d.start();
  t.ok(f.finit.ready, 'start: usr/finit-pods set');
  t.ok(msgs().includes('watching'), 'start: "watching" logged');
  t.ok(existsSync(join(cfg.runDir, 'booted')), 'start: boot recovery done once (RUN_DIR/booted)');
  t.same(state()?.units, {}, 'state.json: no units');
  t.same(await request(sock, { cmd: 'status' }, 2_000), state(), 'control: status answers the state');

  t.test('a new file is applied through the watch: one reload', async (t) => {
    const before = f.finit.reloads();
    writeFileSync(join(cfg.unitsDir, 'web.container'), unit('1'));
    await wait(() => stanzas().includes('pod-web.conf'), 'pod-web.conf');
    await wait(() => state()?.units[join(cfg.unitsDir, 'web.container')]?.last === 'applied', 'state');
    t.equal(f.finit.reloads() - before, 1, 'one reload');
    const rep = (await request(sock, { cmd: 'sync' }, 5_000)) as SyncReport;
    t.same(
      rep.units.map((u) => [u.pod, u.state]),
      [['web', 'unchanged']],
      'control: sync answers with a report',
    );
    t.equal(f.finit.reloads() - before, 1, 'and no more reloads');
  });

  t.test('a drop-in directory and file created, changed, removed: each applied', async (t) => {
    const conf = join(cfg.stanzaDir, 'pod-web.conf');
    const argv = join(cfg.stanzaDir, 'pod-web.argv');
    const original = readFileSync(conf, 'utf8');
    const before = f.finit.reloads();
    mkdirSync(join(cfg.unitsDir, 'web.container.d'));
    writeFileSync(join(cfg.unitsDir, 'web.container.d', '10-exec.conf'), '[Container]\nExec=sleep 77\n');
    await wait(() => readFileSync(argv, 'utf8').includes('77'), 'the drop-in applied');
    t.not(readFileSync(conf, 'utf8'), original, 'the stanza changed (new hash)');
    // an editor's leftovers in the drop-in directory change nothing
    writeFileSync(join(cfg.unitsDir, 'web.container.d', '.10-exec.conf.swp'), '[Container]\nExec=sleep 88\n');
    writeFileSync(join(cfg.unitsDir, 'web.container.d', '10-exec.conf~'), '[Container]\nExec=sleep 99\n');
    await request(sock, { cmd: 'sync' }, 5_000);
    t.ok(readFileSync(argv, 'utf8').includes('77'), 'leftovers ignored');
    rmSync(join(cfg.unitsDir, 'web.container.d'), { recursive: true });
    await wait(() => readFileSync(conf, 'utf8') === original, 'back to the original stanza');
    await request(sock, { cmd: 'sync' }, 5_000);
    t.equal(f.finit.reloads() - before, 2, 'two reloads: drop-in added, drop-in removed');
  });

  t.test('50 files written at once: at most 2 reloads', async (t) => {
    const before = f.finit.reloads();
    for (let i = 0; i < 50; i++) writeFileSync(join(cfg.unitsDir, `b${i}.container`), unit(String(i)));
    await wait(() => stanzas().length === 51, '51 stanzas');
    await request(sock, { cmd: 'sync' }, 10_000);
    const n = f.finit.reloads() - before;
    t.ok(n >= 1 && n <= 2, `${n} reload(s)`);
    for (let i = 0; i < 50; i++) rmSync(join(cfg.unitsDir, `b${i}.container`));
    await wait(() => stanzas().length === 1, '1 stanza');
  });

  t.test('the units directory renamed away and back: nothing removed, error reported', async (t) => {
    const before = f.finit.reloads();
    renameSync(cfg.unitsDir, `${cfg.unitsDir}.away`);
    await wait(() => state()?.unitsDirError !== undefined, 'unitsDirError');
    t.match(state()?.unitsDirError, /cannot read the units directory/, 'state.json says so');
    t.same(stanzas(), ['pod-web.conf'], 'the stanza is kept');
    const ans = (await request(sock, { cmd: 'sync' }, 5_000)) as { error?: string };
    t.match(ans.error, /cannot read the units directory/, 'control: sync answers the error');
    renameSync(`${cfg.unitsDir}.away`, cfg.unitsDir);
    await wait(() => state() !== undefined && state()?.unitsDirError === undefined, 'unitsDirError cleared');
    t.equal(f.finit.reloads() - before, 0, 'no reload');
    writeFileSync(join(cfg.unitsDir, 'two.container'), unit('2'));
    await wait(() => stanzas().includes('pod-two.conf'), 'pod-two.conf (watched again)');
    rmSync(join(cfg.unitsDir, 'two.container'));
    await wait(() => !stanzas().includes('pod-two.conf'), 'pod-two.conf gone');
  });

  t.test('Finit failing is reported as such, not as a units directory problem', async (t) => {
    const readable = msgs().filter((m) => m === 'units directory readable again').length;
    f.finit.fail.version = 'initctl version timed out after 10 s';
    const ans = (await request(sock, { cmd: 'sync' }, 5_000)) as { error?: string };
    t.match(ans.error, /initctl version timed out/, 'control: sync answers the error');
    t.equal(state()?.unitsDirError, undefined, 'state.json: no unitsDirError');
    t.match(state()?.applyError, /initctl version timed out/, 'state.json: applyError');
    f.finit.fail.version = undefined;
    await request(sock, { cmd: 'sync' }, 5_000);
    t.equal(state()?.applyError, undefined, 'cleared by the next good apply');
    t.equal(
      msgs().filter((m) => m === 'units directory readable again').length,
      readable,
      'no "units directory readable again" for what was not a units directory problem',
    );
    t.ok(msgs().includes('applying works again'), '"applying works again" logged');
  });
});

t.test(
  'Daemon: a start that fails (boot recovery) closes the control socket so the process can exit',
  async (t) => {
    const cfg = tempConfig(t, {}, '/fake/podman');
    const f = fakeHost(cfg.podman);
    f.finit.fail.condGet = 'initctl cond get timed out';
    const d = new Daemon(cfg, {
      log: makeLogger('json', { write: () => undefined }),
      finit: f.finit,
      exec: f.exec,
    });
    await t.rejects(d.start(), /cond get timed out/, 'start() rejects');
    t.equal(await ping(controlPath(cfg.runDir)), false, 'nothing answers on the control socket any more');
    t.notOk(f.finit.ready, 'usr/finit-pods not set');
  },
);

t.test('unitsFingerprint: unit files and drop-ins by identity, nothing else', async (t) => {
  const dir = t.testdir({
    'web.container': unit('1'),
    'web.container.d': { '10.conf': '[Container]\nLabel=a=1\n' },
    'notes.txt': 'x',
  });
  const before = unitsFingerprint(dir);
  t.equal(unitsFingerprint(dir), before, 'the same units, the same print');
  writeFileSync(join(dir, '.web.container.swp'), 'x');
  writeFileSync(join(dir, 'notes.txt'), 'y');
  t.equal(unitsFingerprint(dir), before, 'editor files and other files do not count');
  writeFileSync(join(dir, 'web.container.d/10.conf'), '[Container]\nLabel=a=22\n');
  t.not(unitsFingerprint(dir), before, 'a drop-in edit counts');
  const archive = join(dir, '../archive.tar');
  writeFileSync(archive, 'a');
  const withArchive = unitsFingerprint(dir, [archive]);
  writeFileSync(archive, 'ab');
  t.not(unitsFingerprint(dir, [archive]), withArchive, 'a new image archive counts');
  t.equal(unitsFingerprint(join(dir, 'missing')), '', 'no directory: nothing');
});

t.test('Daemon at rest: no apply and no Finit call; a pod starting or ending is seen', async (t) => {
  const cfg = tempConfig(t, { 'web.container': unit('1') }, '/fake/podman');
  const f = fakeHost(cfg.podman);
  let initctlCalls = 0;
  let runnerPid = 1234;
  const finit: Finit = {
    ...f.finit,
    async services() {
      initctlCalls++;
      return [{ identity: 'pod:web', status: 'running', pid: runnerPid }];
    },
  };
  const lines: string[] = [];
  const msgs = () => lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
  const d = new Daemon(cfg, {
    log: makeLogger('json', { write: (s: string) => lines.push(s) }),
    finit,
    exec: f.exec,
    debounceMs: 10,
    relistMs: 50,
    dirCheckMs: 50,
  });
  await d.start();
  t.teardown(() => d.stop());
  await sleep(500);
  const applies = d.loop.count;
  const calls = initctlCalls;
  await sleep(1000);
  t.equal(d.loop.count, applies, 'twenty relists of unchanged units: no apply');
  t.equal(initctlCalls, calls, 'and Finit is not asked');
  // the runner's copy of a pod's command lines appears as it starts
  writeFileSync(join(cfg.runDir, 'argv', 'web.1234'), 'x');
  await until(() => initctlCalls > calls, 'Finit to be asked after a pod started');
  t.pass('a pod starting makes the daemon look at Finit');
  // it dies: its runner ends (its copy goes), Finit starts a new one (another PID, another copy)
  const asked = initctlCalls;
  runnerPid = 5678;
  rmSync(join(cfg.runDir, 'argv', 'web.1234'));
  writeFileSync(join(cfg.runDir, 'argv', 'web.5678'), 'x');
  await until(() => msgs().includes('pod:web restarted'), 'the restart to be logged');
  t.ok(msgs().includes('pod:web ended (runner 1234)'), 'its end is logged');
  t.ok(initctlCalls > asked, 'seen through one look at Finit');
  // a change the watch missed (made within the same second, same size) is caught by the relist
  utimesSync(join(cfg.unitsDir, 'web.container'), new Date(), new Date(Date.now() + 5000));
  await until(() => d.loop.count > applies, 'the relist to apply');
  t.pass('a unit whose mtime changed is applied by the relist');
});
