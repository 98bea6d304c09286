// The daemon (src/daemon/daemon.ts) without a machine: which paths in the units directory matter
// (isRelevant), the Daemon over a real watch with a fake Finit and Podman, a start that fails,
// the units' fingerprint, and the daemon at rest.

import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { Finit } from '../../src/apply/finit.js';
import type { SyncReport } from '../../src/apply/sync.js';
import { ping, request } from '../../src/daemon/control.js';
import { controlPath, Daemon, isRelevant, unitsFingerprint } from '../../src/daemon/daemon.js';
import { makeLogger } from '../../src/daemon/log.js';
import { readState } from '../../src/daemon/state.js';
import { tempConfig } from '../helpers/config.js';
import { fakeHost } from '../helpers/fakes.js';
import { sleep, until } from '../helpers/wait.js';

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

/** A started daemon (stopped at the test's end) logging JSON lines, and the messages it logged. */
async function started(
  t: Test,
  cfg: ReturnType<typeof tempConfig>,
  opts: Omit<ConstructorParameters<typeof Daemon>[1], 'log'>,
) {
  const lines: string[] = [];
  const d = new Daemon(cfg, {
    log: makeLogger('json', { write: (s: string) => lines.push(s) }),
    debounceMs: 10,
    ...opts,
  });
  await d.start();
  t.teardown(() => d.stop());
  return { d, msgs: () => lines.map((l) => (JSON.parse(l) as { msg: string }).msg) };
}

t.test("Daemon: a look at Finit that fails is tried again, so a pod's start is never missed", async (t) => {
  const cfg = tempConfig(t, { 'web.container': unit('1') }, '/fake/podman');
  const f = fakeHost(cfg.podman);
  let failing = false;
  let calls = 0;
  const finit: Finit = {
    ...f.finit,
    async services() {
      calls++;
      if (failing) throw new Error('initctl timed out after 10 s');
      return [{ identity: 'pod:web', status: 'running', pid: 4321 }];
    },
  };
  const { msgs } = await started(t, cfg, { finit, exec: f.exec });
  await sleep(300);
  failing = true;
  const before = calls;
  writeFileSync(join(cfg.runDir, 'argv', 'web.4321'), 'x');
  await until(() => msgs().some((m) => m.startsWith('cannot tell which pods run')), 'the failure said');
  t.ok(calls > before, 'Finit was asked as the pod started, and failed');
  failing = false;
  await until(() => msgs().includes('pod:web started'), 'the start to be seen');
  t.pass('asked again without another event: the start is seen');
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
  const { d, msgs } = await started(t, cfg, { finit, exec: f.exec, relistMs: 50, dirCheckMs: 50 });
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

t.test('Daemon: a pod Finit shows paused is looked at again until it runs; it is the same run', async (t) => {
  const cfg = tempConfig(t, { 'web.container': unit('1') }, '/fake/podman');
  const f = fakeHost(cfg.podman);
  // a reload puts conditions in flux: Finit stops (SIGSTOP) the runner a moment, then it runs on
  let status = 'running';
  let calls = 0;
  const finit: Finit = {
    ...f.finit,
    async services() {
      calls++;
      return [{ identity: 'pod:web', status, pid: 4321 }];
    },
  };
  const { msgs } = await started(t, cfg, { finit, exec: f.exec });
  await until(() => msgs().includes('pod:web started'), 'the start to be seen');
  status = 'paused';
  writeFileSync(join(cfg.runDir, 'argv', 'other.99'), 'x');
  const before = calls;
  await until(() => calls > before + 2, 'Finit asked again while the pod is paused');
  t.pass('no runner event, yet looked at again');
  status = 'running';
  const settled = calls;
  await sleep(1500);
  const after = calls;
  await sleep(1500);
  t.equal(calls, after, 'once it runs: no more looks');
  t.ok(after > settled, 'the last look saw it run');
  t.notOk(
    msgs().some((m) => /pod:web (paused|started.*again|restarted)/.test(m)) ||
      msgs().filter((m) => m === 'pod:web started').length > 1,
    'paused and running again is neither logged nor a new start',
  );
});
