// `finit-pods daemon` as a Finit service against a real Finit and a real Podman, on every stack
// (FINIT_PODS_STACKS), each stack in its own sandbox (issue 5's "done when"): every way a unit
// file arrives, changes or leaves (cp, an editor's save, rm, mv in and out, a symlinked template
// instance) is applied without a command; a broken edit keeps the pod running and is reported as
// FILE:LINE; 50 files at once give a small, bounded number of reloads; a units directory that
// goes away (renamed, removed) stops nothing and restarts nothing when it is back; a daemon
// killed with SIGKILL and respawned by Finit restarts no pod; `sync` and `status` go through it.
// Needs a build (dist/): `npx tsc -p tsconfig.json`.
//
// The daemon's log: Finit's `log:/path` option hands the output to logit, which (in these
// sandboxes, on 4.2 and 4.12) writes it to the file only when the service exits, so it cannot
// be read while the daemon runs. The stanza runs a small wrapper instead that `exec`s node with
// stdout and stderr appended to LOG (the PID Finit watches is node's), with --log-format json:
// one JSON object per line, one "initctl reload" line per reload.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import type { SyncReport } from '../../src/apply/sync.js';
import type { DaemonState } from '../../src/daemon/state.js';
import type { StatusView } from '../../src/inspect/status.js';
import { finitAtLeast, IMAGE, REPO_DIR, stacksFromEnv, Testbed } from '../helpers/testbed.js';

const CLI = path.join(REPO_DIR, 'dist', 'cli', 'launch.cjs');
const HELLO = '<h1>hello from busybox</h1>';
/** Test files inside the sandbox: /run is a tmpfs (one boot), /etc/fp-test and /srv persist. */
const RUN = '/run/fp-test';
const LOG = `${RUN}/daemon.log`;
const COUNTING_INITCTL = `${RUN}/initctl`;
const INITCTL_CALLS = `${RUN}/initctl.calls`;
const WRAPPER = '/etc/fp-test/daemon.sh';
/** A directory outside the units directory, inside the sandbox (another file system). */
const STAGE = '/srv/fp-stage';
const UNITS = '/cfg/containers';
const STATE = '/run/finit-pods/state.json';
const READY_COND = '/run/finit/cond/usr/finit-pods';

/**
 * Is usr/finit-pods set? Looked at inside the sandbox: on Finit 4.12 and later the condition's
 * file is a symlink to /var/run/finit/cond/reconf, which only resolves there. `cond get` is 4.3+.
 */
async function readySet(tb: Testbed): Promise<boolean> {
  const file = (await tb.exec(['test', '-e', READY_COND], { reject: false })).exitCode === 0;
  if (!finitAtLeast(tb.info, '4.3')) return file;
  const get = await tb.exec([tb.initctlPath, 'cond', 'get', 'usr/finit-pods'], { reject: false });
  return file && get.exitCode === 0;
}
/** How long an event may take to be applied: well under the 30 s relist, so the watch is tested. */
const EVENT_MS = 10_000;
/** The bound on reloads for 50 files arriving at once (one cp, one tar). */
const BULK_RELOADS_MAX = 2;
const BULK = 50;

if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);

interface LogRecord {
  level: number;
  time: number;
  msg: string;
  [key: string]: unknown;
}

const webUnit = ({ port = 8080, dir = '/www', stop = 'StopTimeout=1' } = {}) =>
  `[Unit]
Description=Web server on ${port}

[Container]
Image=${IMAGE}
Exec=httpd -f -p ${port} -h ${dir}
PublishPort=${port}:${port}
${stop}
`;

/** A pod for runlevel 1 only: Finit knows its stanza but does not start it at runlevel 2. */
const rescueUnit = (n: string) =>
  `[Container]\nImage=${IMAGE}\nExec=sleep 100000 ${n}\nStopTimeout=1\n\n[Install]\nWantedBy=rescue.target\n`;

/** 1-based line of `needle` in `text`. */
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

// ------------------------------------------------------------------------------------- helpers

/** Installs the counting initctl, the wrapper and the daemon's stanza; waits until it watches. */
async function installDaemon(tb: Testbed): Promise<void> {
  const node = (await tb.sh('command -v node')).stdout.trim();
  if (!node.startsWith('/')) throw new Error(`no node on PATH inside ${tb.stack}: "${node}"`);
  await tb.sh(
    `mkdir -p ${RUN} ${path.dirname(WRAPPER)} ${STAGE} && : >${INITCTL_CALLS} && ` +
      `printf '#!/bin/sh\\necho "$*" >>${INITCTL_CALLS}\\nexec ${tb.initctlPath} "$@"\\n' >${COUNTING_INITCTL} && ` +
      `chmod 755 ${COUNTING_INITCTL}`,
  );
  await writeFile(
    tb.hostPath(WRAPPER),
    `#!/bin/sh\nexec env FINIT_PODS_INITCTL=${COUNTING_INITCTL} ${node} ${CLI} daemon --log-format json "$@" >>${LOG} 2>&1\n`,
    { mode: 0o755 },
  );
  await setDaemonArgs(tb, '');
}

/** (Re)writes the daemon's stanza with ARGS and reloads Finit; waits for a daemon that watches. */
async function setDaemonArgs(tb: Testbed, args: string): Promise<number> {
  const before = await daemonPid(tb);
  const watching = count(await daemonLog(tb), 'watching');
  await tb.writeStanza(
    'finit-pods.conf',
    `service [2345] name:finit-pods ${WRAPPER}${args ? ` ${args}` : ''} -- finit-pods daemon\n`,
  );
  await tb.initctl('reload');
  return waitDaemon(tb, before, watching);
}

/** PID of the finit-pods service while it runs. */
async function daemonPid(tb: Testbed): Promise<number | undefined> {
  const row = await tb.service('finit-pods');
  return row?.status === 'running' ? row.pid : undefined;
}

/** Waits for a running daemon other than `notPid` that logged "watching" more than `watching` times. */
async function waitDaemon(tb: Testbed, notPid: number | undefined, watching: number): Promise<number> {
  const pid = await tb.waitFor(
    async () => {
      const p = await daemonPid(tb);
      return p !== undefined && p !== notPid ? p : undefined;
    },
    { timeout: 60_000, message: `finit-pods running with a PID other than ${notPid}` },
  );
  await tb.waitFor(async () => count(await daemonLog(tb), 'watching') > watching, {
    timeout: 60_000,
    message: 'the daemon to log "watching" (its first apply done)',
  });
  return pid;
}

async function daemonLog(tb: Testbed): Promise<LogRecord[]> {
  const text = (await tb.readInside(LOG)) ?? '';
  const out: LogRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as LogRecord);
    } catch {
      out.push({ level: 0, time: 0, msg: line }); // node's own output, e.g. a crash
    }
  }
  return out;
}

const count = (log: LogRecord[], msg: string | RegExp) =>
  log.filter((r) => (typeof msg === 'string' ? r.msg === msg : msg.test(r.msg))).length;

/** Reloads so far: the daemon's "initctl reload" log lines and initctl calls (both counted). */
async function reloads(tb: Testbed): Promise<{ logged: number; calls: number }> {
  const calls = ((await tb.readInside(INITCTL_CALLS)) ?? '').split('\n').filter((l) => l === 'reload').length;
  return { logged: count(await daemonLog(tb), 'initctl reload'), calls };
}

async function reloadsSince(tb: Testbed, before: { logged: number; calls: number }) {
  const now = await reloads(tb);
  return { logged: now.logged - before.logged, calls: now.calls - before.calls };
}

async function daemonState(tb: Testbed): Promise<DaemonState | undefined> {
  const text = await tb.readInside(STATE);
  return text ? (JSON.parse(text) as DaemonState) : undefined;
}

/** Waits until state.json satisfies `pred`; returns it. */
async function waitState(
  tb: Testbed,
  pred: (s: DaemonState) => boolean,
  message: string,
  timeout = EVENT_MS,
): Promise<DaemonState> {
  return tb.waitFor(
    async () => {
      const s = await daemonState(tb);
      return s && pred(s) ? s : undefined;
    },
    { timeout, message: `state.json: ${message}` },
  );
}

interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** `finit-pods ARGS` inside the sandbox, with extra environment `env`. */
async function cli(tb: Testbed, args: string[], env: string[] = []): Promise<CliRun> {
  const res = await tb.exec(['env', ...env, 'node', CLI, ...args], { reject: false, timeout: 180_000 });
  return { exitCode: res.exitCode, stdout: res.stdout, stderr: res.stderr };
}

/**
 * `finit-pods sync` through the daemon: with initctl pointing nowhere, a sync that ran in the
 * client itself could not even ask Finit's version, so a good answer is the daemon's.
 */
function syncViaDaemon(tb: Testbed, args: string[] = []): Promise<CliRun> {
  return cli(tb, ['sync', ...args], ['FINIT_PODS_INITCTL=/nonexistent/initctl']);
}

async function syncReport(tb: Testbed): Promise<SyncReport> {
  const res = await syncViaDaemon(tb, ['--wait', '--json']);
  try {
    return JSON.parse(res.stdout) as SyncReport;
  } catch {
    throw new Error(`sync --wait --json: exit ${res.exitCode}, no JSON: ${res.stdout} ${res.stderr}`);
  }
}

async function statusJson(tb: Testbed, args: string[] = []): Promise<{ exitCode: number; view: StatusView }> {
  const res = await cli(tb, ['status', '--json', ...args]);
  return { exitCode: res.exitCode, view: JSON.parse(res.stdout) as StatusView };
}

const stanzaFile = (tb: Testbed, pod: string) => path.join(tb.finitDir, 'enabled', `pod-${pod}.conf`);

function readMaybe(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** Waits until pod-POD.conf exists (or, with gone, does not); returns the milliseconds it took. */
async function waitStanza(tb: Testbed, pod: string, gone = false, t0 = Date.now()): Promise<number> {
  await tb.waitFor(() => existsSync(stanzaFile(tb, pod)) !== gone, {
    timeout: EVENT_MS,
    message: `pod-${pod}.conf to be ${gone ? 'removed' : 'written'} by the daemon`,
  });
  return Date.now() - t0;
}

async function containersNamed(tb: Testbed, name: string): Promise<string> {
  const res = await tb.podman('ps', '-a', '--filter', `name=^${name}$`, '--format', '{{.ID}} {{.State}}');
  return res.stdout.trim();
}

async function waitGone(tb: Testbed, pod: string): Promise<void> {
  await tb.waitFor(async () => (await containersNamed(tb, pod)) === '', {
    timeout: 60_000,
    message: `no container named ${pod} (podman ps -a)`,
  });
  await tb.waitFor(async () => (await tb.serviceStatus(`pod:${pod}`)) === undefined, {
    timeout: 30_000,
    message: `Finit to forget pod:${pod}`,
  });
}

/** Writes FILE into the staging directory (outside the units directory) inside the sandbox. */
async function stage(tb: Testbed, name: string, text: string): Promise<string> {
  const file = path.join(STAGE, name);
  await mkdir(tb.hostPath(STAGE), { recursive: true });
  await writeFile(tb.hostPath(file), text);
  return file;
}

/** Pod names of this test's stanzas in /etc/finit.d/enabled. */
function stanzaPods(tb: Testbed, prefix: string): string[] {
  const dir = path.join(tb.finitDir, 'enabled');
  return readdirSync(dir)
    .filter((f) => f.startsWith(`pod-${prefix}`) && f.endsWith('.conf'))
    .map((f) => f.slice(4, -5));
}

// ------------------------------------------------------------------------------------- the tests

// Stacks run in parallel (each its own sandbox), so a full run costs about one stack's time.
t.jobs = 2;

for (const stack of stacksFromEnv()) {
  t.test(stack, async (t) => {
    const tb = await Testbed.boot({ stack, name: 'daemon' });
    t.teardown(() => tb.destroy());
    await installDaemon(tb);

    t.test('1. the daemon runs as a Finit service and sets usr/finit-pods', async (t) => {
      const row = await tb.service('finit-pods');
      t.equal(row?.status, 'running', 'initctl status: finit-pods running');
      const cmdline = (await tb.readInside(`/proc/${row?.pid}/cmdline`))?.split('\0') ?? [];
      t.ok(cmdline.includes('daemon') && cmdline.includes(CLI), `its PID is node running ${CLI} daemon`);
      const st = await tb.initctl('status', 'finit-pods');
      t.match(st.stdout, /running/, '`initctl status finit-pods` says running');
      t.ok(await readySet(tb), 'condition usr/finit-pods is set');
      const s = await daemonState(tb);
      t.same(s?.units, {}, 'state.json: no units yet');
      t.equal(s?.finitVersion, tb.info.finit, 'state.json: Finit version');
      const log = await daemonLog(tb);
      t.ok(
        log.some((r) => r.msg === 'watching' && r.dir === UNITS),
        `the log says it watches ${UNITS}`,
      );
      t.equal(count(log, 'initctl reload'), 0, 'no reload for an empty directory');
    });

    let webId = '';

    t.test('2. cp of a unit into the directory: the pod runs and answers HTTP', async (t) => {
      const src = await stage(tb, 'web.container', webUnit());
      const before = await reloads(tb);
      const t0 = Date.now();
      await tb.exec(['cp', src, `${UNITS}/`]);
      const ms = await waitStanza(tb, 'web', false, t0);
      t.pass(`pod-web.conf written ${ms} ms after cp`);
      t.equal(
        await tb.waitForStatus('pod:web', 'running', { timeout: 60_000 }),
        'running',
        'pod:web running',
      );
      t.match(await tb.waitHttp(8080, '/', HELLO), HELLO, 'it answers HTTP on the published port');
      webId = await tb.waitNewContainer('web');
      t.same(await reloadsSince(tb, before), { logged: 1, calls: 1 }, 'exactly one reload (logged and made)');
      const s = await daemonState(tb);
      const u = s?.units[`${UNITS}/web.container`];
      t.same([u?.state, u?.last, u?.pod], ['ok', 'applied', 'web'], 'state.json: web.container ok, applied');
      const log = await daemonLog(tb);
      t.ok(
        log.some((r) => r.msg === 'applied pod:web' && r.unit === `${UNITS}/web.container`),
        'the log says "applied pod:web"',
      );
    });

    t.test(
      '3. an editor-style save of a change restarts the pod with it; leftovers are ignored',
      async (t) => {
        // vim: a swap file (and its write probe 4913, a backup~); emacs: #lock# files. None of
        // them is a unit: a sync through the daemon changes nothing while they are there.
        const changed = webUnit({ dir: '/etc' });
        await tb.exec(['sh', '-c', `cat >${UNITS}/.web.container.swp`], { input: changed });
        await tb.exec(['sh', '-c', `cat >${UNITS}/web.container.tmp`], { input: changed });
        await tb.exec(['cp', `${UNITS}/web.container`, `${UNITS}/web.container~`]);
        await tb.exec([
          'sh',
          '-c',
          `: >${UNITS}/4913; : >'${UNITS}/#web.container#'; : >${UNITS}/.hidden.container`,
        ]);
        const before = await reloads(tb);
        const rep = await syncReport(tb);
        t.same(
          rep.units.map((u) => [u.file, u.state]),
          [[`${UNITS}/web.container`, 'unchanged']],
          'with the leftovers there, the daemon sees only web.container, unchanged',
        );
        t.equal(rep.reloaded, false, 'no reload');
        t.equal(await tb.containerId('web'), webId, 'same container');
        await tb.exec([
          'rm',
          '-f',
          `${UNITS}/4913`,
          `${UNITS}/#web.container#`,
          `${UNITS}/.hidden.container`,
        ]);
        await tb.exec(['rm', '-f', `${UNITS}/web.container~`, `${UNITS}/web.container.tmp`]);

        // the save: rename the swap/temp file over the unit
        const t0 = Date.now();
        await tb.exec(['mv', `${UNITS}/.web.container.swp`, `${UNITS}/web.container`]);
        const id2 = await tb.waitNewContainer('web', webId);
        t.pass(`a new container ${Date.now() - t0} ms after the mv (${webId} -> ${id2})`);
        t.match(await tb.waitHttp(8080, '/passwd', /^root:/m), /^root:/m, 'new behaviour: /etc is served');
        t.same(await reloadsSince(tb, before), { logged: 1, calls: 1 }, 'exactly one reload');

        // the other editor style: write NAME.tmp, rename it over (back to /www)
        await tb.exec(['sh', '-c', `cat >${UNITS}/web.container.tmp`], { input: webUnit() });
        await tb.exec(['mv', `${UNITS}/web.container.tmp`, `${UNITS}/web.container`]);
        webId = await tb.waitNewContainer('web', id2);
        await tb.waitHttp(8080, '/', HELLO);
        t.equal((await tb.httpGet(8080, '/passwd')).status, 404, 'back to /www: /passwd is not served');
        t.same(await reloadsSince(tb, before), { logged: 2, calls: 2 }, 'one more reload');
      },
    );

    t.test('4. rm of the unit: the pod and its stanza are gone', async (t) => {
      const t0 = Date.now();
      await tb.exec(['rm', `${UNITS}/web.container`]);
      const ms = await waitStanza(tb, 'web', true, t0);
      t.pass(`pod-web.conf removed ${ms} ms after rm`);
      t.notOk(existsSync(path.join(tb.finitDir, 'enabled', 'pod-web.argv')), 'pod-web.argv removed');
      await waitGone(tb, 'web');
      t.pass('no container web, Finit has no pod:web');
      const s = await daemonState(tb);
      t.notOk(s?.units[`${UNITS}/web.container`], 'state.json: no web.container');
      t.ok(
        (await daemonLog(tb)).some((r) => r.msg === 'removed /etc/finit.d/enabled/pod-web.conf'),
        'the log says it removed pod-web.conf',
      );
    });

    t.test('5. mv in and mv out, across file systems and as a rename(2)', async (t) => {
      // inside the sandbox: /srv (the overlay) -> /cfg/containers (a bind mount): mv copies
      await stage(tb, 'web.container', webUnit());
      await tb.exec(['mv', `${STAGE}/web.container`, `${UNITS}/`]);
      await waitStanza(tb, 'web');
      await tb.waitForStatus('pod:web', 'running', { timeout: 60_000 });
      await tb.waitHttp(8080, '/', HELLO);
      t.pass('mv in from /srv: pod:web runs and answers');
      await tb.exec(['mv', `${UNITS}/web.container`, `${STAGE}/`]);
      await waitStanza(tb, 'web', true);
      await waitGone(tb, 'web');
      t.ok(existsSync(tb.hostPath(`${STAGE}/web.container`)), 'mv out to /srv: the file is there');
      t.pass('mv out to /srv: pod:web gone');

      // on the host, same file system: a real rename(2) in (IN_MOVED_TO) and out (IN_MOVED_FROM)
      const outside = path.join(tb.stateDir, 'outside');
      await mkdir(outside, { recursive: true });
      await writeFile(path.join(outside, 'web.container'), webUnit({ port: 8082 }));
      await rename(path.join(outside, 'web.container'), path.join(tb.unitsDir, 'web.container'));
      await waitStanza(tb, 'web');
      await tb.waitForStatus('pod:web', 'running', { timeout: 60_000 });
      await tb.waitHttp(8082, '/', HELLO);
      t.pass('rename(2) in: pod:web runs and answers on 8082');
      await rename(path.join(tb.unitsDir, 'web.container'), path.join(outside, 'web.container'));
      await waitStanza(tb, 'web', true);
      await waitGone(tb, 'web');
      t.pass('rename(2) out: pod:web gone');
    });

    t.test(
      '6. a symlinked template instance: web@.container + web@1.container -> web@.container',
      async (t) => {
        const template = `[Container]
Image=${IMAGE}
Exec=httpd -f -p 808%i -h /www
PublishPort=808%i:808%i
StopTimeout=1
`;
        await tb.exec(['cp', await stage(tb, 'web@.container', template), `${UNITS}/`]);
        const rep = await syncReport(tb);
        t.same(stanzaPods(tb, 'web'), [], 'a template alone is no pod');
        t.equal(rep.reloaded, false, 'and no reload');
        await tb.exec(['ln', '-s', 'web@.container', `${UNITS}/web@1.container`]);
        await waitStanza(tb, 'web_1');
        await tb.waitForStatus('pod:web_1', 'running', { timeout: 60_000 });
        t.match(await tb.waitHttp(8081, '/', HELLO), HELLO, 'pod:web_1 answers on 8081 (808%i)');
        t.ok(await tb.containerId('web_1'), 'container web_1 runs');
        await tb.exec(['rm', `${UNITS}/web@1.container`]);
        await waitStanza(tb, 'web_1', true);
        await waitGone(tb, 'web_1');
        t.pass('removing the symlink removes the pod');
        await tb.exec(['rm', `${UNITS}/web@.container`]);
      },
    );

    t.test(
      '7. a bad edit keeps the pod running and is reported as FILE:LINE; fixing it applies it',
      async (t) => {
        await tb.exec(['cp', await stage(tb, 'web.container', webUnit()), `${UNITS}/`]);
        await tb.waitForStatus('pod:web', 'running', { timeout: 60_000 });
        await tb.waitHttp(8080, '/', HELLO);
        const id1 = await tb.waitNewContainer('web');
        const conf = readMaybe(stanzaFile(tb, 'web'));
        const before = await reloads(tb);

        const bad = webUnit({ dir: '/etc', stop: 'StopTimeout=soon' });
        const line = lineOf(bad, 'StopTimeout=soon');
        const where = `${UNITS}/web.container:${line}:`;
        await tb.exec(['sh', '-c', `cat >${UNITS}/.web.container.swp`], { input: bad });
        await tb.exec(['mv', `${UNITS}/.web.container.swp`, `${UNITS}/web.container`]);
        const s = await waitState(
          tb,
          (s) => s.units[`${UNITS}/web.container`]?.last === 'kept',
          'web.container kept (broken)',
        );
        const u = s.units[`${UNITS}/web.container`]!;
        t.equal(u.state, 'error', 'state.json: state error');
        t.ok(
          u.messages.some((m) => m.startsWith(where) && m.includes('StopTimeout')),
          `state.json names ${where} and StopTimeout=`,
          { messages: u.messages },
        );
        t.equal(await tb.containerId('web'), id1, 'the pod keeps running: same container ID');
        t.equal(await tb.serviceStatus('pod:web'), 'running', 'pod:web still running');
        t.match(await tb.waitHttp(8080, '/', HELLO), HELLO, 'and still serving /www');
        t.equal(readMaybe(stanzaFile(tb, 'web')), conf, 'pod-web.conf byte-identical');
        t.same(await reloadsSince(tb, before), { logged: 0, calls: 0 }, 'no reload');
        const logged = (await daemonLog(tb)).find(
          (r) => r.level === 50 && r.unit === `${UNITS}/web.container` && /kept/.test(r.msg),
        );
        t.ok(
          logged && (logged.errors as string[]).some((m) => m.startsWith(where)),
          `the daemon logs an error with ${where}`,
          { logged },
        );

        const st = await cli(tb, ['status']);
        t.equal(st.exitCode, 1, 'finit-pods status exits 1');
        t.match(
          st.stdout,
          new RegExp(`^pod:web: unit invalid: ${where.replace(/[.]/g, '\\.')}`, 'm'),
          `status names ${where}`,
        );
        const sj = await statusJson(tb);
        t.equal(sj.exitCode, 1, 'status --json exits 1');
        const v = sj.view.units.find((x) => x.name === 'web');
        t.equal(v?.unit.state, 'error', 'status --json: unit state error');
        t.ok(
          v?.unit.messages.some((m) => m.startsWith(where)),
          `status --json: ${where} in the messages`,
        );
        t.same(
          [v?.finit?.status, v?.container?.state, v?.container?.id],
          ['running', 'running', id1.slice(0, 12)],
          'status --json: Finit running, the same container running',
        );
        const sy = await syncViaDaemon(tb);
        t.equal(sy.exitCode, 1, 'sync (through the daemon) exits 1');
        t.match(sy.stderr, where, 'sync names FILE:LINE on stderr');
        t.match(sy.stdout, /^kept\s+pod:web \(broken; its last good stanza is kept/m, 'sync says "kept"');

        // fixed, with the change that was meant (/etc)
        const t0 = Date.now();
        await tb.exec(['sh', '-c', `cat >${UNITS}/.web.container.swp`], { input: webUnit({ dir: '/etc' }) });
        await tb.exec(['mv', `${UNITS}/.web.container.swp`, `${UNITS}/web.container`]);
        webId = await tb.waitNewContainer('web', id1);
        t.pass(`fixed: a new container ${Date.now() - t0} ms after the save`);
        await tb.waitHttp(8080, '/passwd', /^root:/m);
        const fixed = (
          await waitState(tb, (s) => s.units[`${UNITS}/web.container`]?.state === 'ok', 'web.container ok')
        ).units[`${UNITS}/web.container`]!;
        t.same(fixed.messages, [], 'state.json: no messages');
        t.not(fixed.hash, u.hash, 'state.json: a new configuration (hash) ...');
        t.ok(Date.parse(fixed.appliedAt ?? '') >= t0 - 1_000, '... applied after the fix was saved');
        const ok = await tb.waitFor(
          async () => {
            const r = await cli(tb, ['status']);
            return r.exitCode === 0 ? r : undefined;
          },
          { timeout: 30_000, message: 'finit-pods status to exit 0' },
        );
        t.match(
          ok.stdout,
          new RegExp(`^pod:web\\s+ok\\s+running\\s+\\S+\\s+running\\s+${webId}`, 'm'),
          'status: pod:web ok, running, the new container',
        );
        t.same(await reloadsSince(tb, before), { logged: 1, calls: 1 }, 'one reload, for the fix');
      },
    );

    t.test('8. sync and sync --wait go through the daemon; status exit codes', async (t) => {
      const plain = await syncViaDaemon(tb);
      t.equal(plain.exitCode, 0, `sync exits 0 ${plain.stderr}`);
      t.match(
        plain.stdout,
        /^unchanged\s+pod:web$/m,
        'sync prints the daemon\'s result: "unchanged pod:web"',
      );
      t.match(plain.stdout, /^nothing changed: no reload$/m, 'and "nothing changed: no reload"');
      // the control: the same command without a daemon (another run dir) cannot do it itself
      const alone = await cli(
        tb,
        ['sync', '--run-dir', `${RUN}/no-daemon`],
        ['FINIT_PODS_INITCTL=/nonexistent/initctl'],
      );
      t.not(alone.exitCode, 0, "without the daemon that command fails: the answer above was the daemon's");

      // a change made just before `sync --wait` is in its answer, applied when it returns
      await writeFile(path.join(tb.unitsDir, 'idle.container'), rescueUnit('idle'));
      const before = await reloads(tb);
      const w = await syncViaDaemon(tb, ['--wait', '--json']);
      t.equal(w.exitCode, 0, `sync --wait --json exits 0 ${w.stderr}`);
      t.ok(existsSync(stanzaFile(tb, 'idle')), 'when sync --wait returns, pod-idle.conf is written');
      const rep = JSON.parse(w.stdout) as SyncReport;
      t.match(
        rep.units.find((u) => u.file === `${UNITS}/idle.container`)?.state ?? '',
        /^(applied|unchanged)$/,
        'the report has idle.container',
      );
      await tb.removeUnit('idle.container');
      const w2 = await syncViaDaemon(tb, ['--wait']);
      t.equal(w2.exitCode, 0, 'sync --wait exits 0');
      t.notOk(existsSync(stanzaFile(tb, 'idle')), 'when sync --wait returns, pod-idle.conf is gone');
      t.same(await reloadsSince(tb, before), { logged: 2, calls: 2 }, 'two reloads (add, remove)');

      // status: 0 when every pod runs, 1 when one does not
      const ok = await cli(tb, ['status']);
      t.equal(ok.exitCode, 0, 'status exits 0 with pod:web running');
      const sj = await statusJson(tb);
      t.equal(sj.exitCode, 0, 'status --json exits 0');
      t.equal(sj.view.healthy, true, 'status --json: healthy');
      await tb.initctl('stop', 'pod:web');
      await tb.waitForStatus('pod:web', 'stopped');
      const down = await cli(tb, ['status']);
      t.equal(down.exitCode, 1, 'status exits 1 with pod:web stopped');
      t.match(down.stdout, /^pod:web: Finit says stopped$/m, 'and says why');
      await tb.initctl('start', 'pod:web');
      await tb.waitForStatus('pod:web', 'running');
      webId = await tb.waitNewContainer('web', webId);
      await tb.waitHttp(8080, '/passwd', /^root:/m);
      const empty = await cli(tb, ['status', '--units-dir', `${RUN}/no-such-dir`]);
      t.equal(empty.exitCode, 1, 'status exits 1 when the units directory cannot be read');
    });

    t.test(
      '9. SIGKILL of the daemon: Finit respawns it, no pod restarts, usr/finit-pods stays',
      async (t) => {
        const rows = await tb.services();
        const pid = rows.find((s) => s.ident === 'finit-pods')?.pid;
        const podPid = rows.find((s) => s.ident === 'pod:web')?.pid;
        t.ok(pid && podPid, `daemon PID ${pid}, pod:web PID ${podPid}`);
        const log = await daemonLog(tb);
        const watching = count(log, 'watching');
        const recoveries = count(log, /^boot recovery/);
        const before = await reloads(tb);

        await tb.exec(['kill', '-9', String(pid)]);
        const t0 = Date.now();
        const pid2 = await waitDaemon(tb, pid, watching);
        t.pass(`respawned by Finit as PID ${pid2}, watching again after ${Date.now() - t0} ms`);
        const rep = await syncReport(tb);
        t.same(
          rep.units.map((u) => [u.pod, u.state]),
          [['web', 'unchanged']],
          'the new daemon finds pod:web unchanged',
        );
        t.equal(await tb.containerId('web'), webId, 'same container ID');
        const after = await tb.service('pod:web');
        t.same([after?.status, after?.pid], ['running', podPid], 'pod:web running with the same PID');
        t.ok(await readySet(tb), 'usr/finit-pods still set');
        t.same(await reloadsSince(tb, before), { logged: 0, calls: 0 }, 'no reload');
        t.equal(count(await daemonLog(tb), /^boot recovery/), recoveries, 'no boot recovery on a respawn');
        t.match(await tb.waitHttp(8080, '/passwd', /^root:/m), /^root:/m, 'pod:web still answers');

        // and a graceful restart (SIGTERM) the same
        const w2 = count(await daemonLog(tb), 'watching');
        await tb.initctl('restart', 'finit-pods');
        await waitDaemon(tb, pid2, w2);
        t.ok(
          (await daemonLog(tb)).some((r) => r.msg === 'SIGTERM: stopping (pods keep running)'),
          'initctl restart: the daemon logged its SIGTERM',
        );
        await syncReport(tb);
        t.equal(await tb.containerId('web'), webId, 'after initctl restart finit-pods: same container ID');
        t.same(await reloadsSince(tb, before), { logged: 0, calls: 0 }, 'no reload');
        t.ok(await readySet(tb), 'usr/finit-pods still set');
      },
    );

    t.test(`10. ${BULK} units at once (one cp, one tar): at most ${BULK_RELOADS_MAX} reloads`, async (t) => {
      const names = Array.from({ length: BULK }, (_, i) => `bulk-${String(i).padStart(2, '0')}`);
      const dir = `${STAGE}/bulk`;
      await mkdir(tb.hostPath(dir), { recursive: true });
      for (const n of names) await writeFile(tb.hostPath(`${dir}/${n}.container`), rescueUnit(n));
      await tb.sh(`cd ${dir} && tar -cf ${STAGE}/bulk.tar *.container`);

      const allThere = async (message: string) => {
        await tb.waitFor(() => stanzaPods(tb, 'bulk-').length === BULK, { timeout: 60_000, message });
        await waitState(
          tb,
          (s) => names.every((n) => s.units[`${UNITS}/${n}.container`]?.state === 'ok'),
          `all ${BULK} bulk units ok`,
          60_000,
        );
        // an apply that starts after this request: every apply the burst caused is done
        const rep = await syncReport(tb);
        t.equal(rep.reloaded, false, 'a sync afterwards has nothing left to do');
      };
      const allGone = async (message: string) => {
        await tb.waitFor(() => stanzaPods(tb, 'bulk-').length === 0, { timeout: 60_000, message });
        await syncReport(tb);
      };

      for (const [how, cmd] of [
        ['one cp', `cp ${dir}/*.container ${UNITS}/`],
        ['one tar extraction', `tar -C ${UNITS} -xf ${STAGE}/bulk.tar`],
      ] as const) {
        const before = await reloads(tb);
        const t0 = Date.now();
        await tb.sh(cmd);
        await allThere(`${BULK} stanzas after ${how}`);
        const n = await reloadsSince(tb, before);
        t.pass(`${how}: ${BULK} stanzas and state ok after ${Date.now() - t0} ms, ${n.logged} reload(s)`);
        t.ok(
          n.logged >= 1 && n.logged <= BULK_RELOADS_MAX,
          `${how}: 1..${BULK_RELOADS_MAX} reloads logged`,
          n,
        );
        t.equal(n.calls, n.logged, `${how}: as many initctl reload calls as logged`);
        const rows = (await tb.services()).filter((s) => s.ident.startsWith('pod:bulk-'));
        t.equal(rows.length, BULK, `Finit knows all ${BULK} pods`);
        t.ok(
          rows.every((r) => r.runlevels.includes('1') && !r.runlevels.includes('2')),
          'for runlevel 1 only (WantedBy=rescue.target)',
        );
        t.equal(rows.filter((r) => r.status === 'running').length, 0, 'none of them runs at runlevel 2');
        t.equal(await tb.containerId('web'), webId, 'pod:web untouched');

        const before2 = await reloads(tb);
        await tb.sh(`rm ${UNITS}/bulk-*.container`);
        await allGone(`no bulk stanza after rm of ${BULK} files`);
        const m = await reloadsSince(tb, before2);
        t.ok(
          m.logged >= 1 && m.logged <= BULK_RELOADS_MAX,
          `rm of ${BULK}: 1..${BULK_RELOADS_MAX} reloads`,
          m,
        );
        await tb.waitFor(async () => (await tb.services()).every((s) => !s.ident.startsWith('pod:bulk-')), {
          timeout: 30_000,
          message: 'Finit to forget the bulk pods',
        });
      }
      t.equal(await tb.containerId('web'), webId, 'pod:web untouched by it all');
    });

    t.test('11. the units directory renamed away or removed: no pod stops or restarts', async (t) => {
      // /cfg/containers is a bind mount (a mount point cannot be renamed or removed from inside),
      // so the daemon watches a plain directory here.
      const dir = '/var/lib/fp-units';
      await tb.exec(['rm', '-f', `${UNITS}/web.container`]);
      await waitStanza(tb, 'web', true);
      await waitGone(tb, 'web');
      await tb.exec(['mkdir', '-p', dir]);
      await tb.exec(['cp', await stage(tb, 'web.container', webUnit()), `${dir}/`]);
      await tb.exec(['cp', await stage(tb, 'web2.container', webUnit({ port: 8082 })), `${dir}/`]);
      await setDaemonArgs(tb, `--units-dir ${dir}`);
      t.ok(
        (await daemonLog(tb)).some((r) => r.msg === 'watching' && r.dir === dir),
        `the daemon now watches ${dir}`,
      );
      await tb.waitForStatus('pod:web', 'running', { timeout: 60_000 });
      await tb.waitForStatus('pod:web2', 'running', { timeout: 60_000 });
      await tb.waitHttp(8080, '/', HELLO);
      await tb.waitHttp(8082, '/', HELLO);
      const ids = { web: await tb.waitNewContainer('web'), web2: await tb.waitNewContainer('web2') };
      const pids = async () =>
        (await tb.services())
          .filter((s) => s.ident === 'pod:web' || s.ident === 'pod:web2')
          .map((s) => `${s.ident} ${s.status} ${s.pid}`)
          .sort();
      const pidsBefore = await pids();
      const before = await reloads(tb);
      const unchanged = async (what: string) => {
        t.same(
          { web: await tb.containerId('web'), web2: await tb.containerId('web2') },
          ids,
          `${what}: same container IDs`,
        );
        t.same(await pids(), pidsBefore, `${what}: pod:web and pod:web2 running, same PIDs`);
        t.ok(
          existsSync(stanzaFile(tb, 'web')) && existsSync(stanzaFile(tb, 'web2')),
          `${what}: stanzas kept`,
        );
        t.same(await reloadsSince(tb, before), { logged: 0, calls: 0 }, `${what}: no reload`);
      };
      const missing = async (how: string) => {
        const s = await waitState(tb, (s) => s.unitsDirError !== undefined, 'unitsDirError set');
        t.match(s.unitsDirError, dir, `${how}: state.json unitsDirError names ${dir}`);
        t.ok(
          (await daemonLog(tb)).some((r) => /units directory/.test(r.msg) && r.level >= 40),
          `${how}: the daemon logs it`,
        );
        const sy = await syncViaDaemon(tb);
        t.equal(sy.exitCode, 1, `${how}: sync exits 1`);
        t.match(
          sy.stderr,
          /the daemon could not apply: cannot read the units directory/,
          `${how}: and says why`,
        );
        const st = await cli(tb, ['status', '--units-dir', dir]);
        t.equal(st.exitCode, 1, `${how}: status exits 1`);
        t.match(st.stderr, /the daemon reports: cannot read the units directory/, `${how}: status says why`);
        await unchanged(`${how}`);
      };
      const back = async (how: string) => {
        await waitState(tb, (s) => s.unitsDirError === undefined, 'unitsDirError cleared');
        t.ok(
          (await daemonLog(tb)).some((r) => r.msg === 'units directory readable again'),
          `${how}: the daemon logs that it is back`,
        );
        await syncReport(tb);
        await unchanged(how);
        // the watch is attached again: a new file is applied within EVENT_MS (the relist is 30 s)
        await tb.exec(['cp', await stage(tb, 'idle.container', rescueUnit('idle')), `${dir}/`]);
        await waitStanza(tb, 'idle');
        await tb.exec(['rm', `${dir}/idle.container`]);
        await waitStanza(tb, 'idle', true);
        t.pass(`${how}: changes are watched again`);
        await syncReport(tb);
        Object.assign(before, await reloads(tb));
      };

      await tb.exec(['mv', dir, `${dir}.away`]);
      await missing('renamed away');
      await tb.exec(['mv', `${dir}.away`, dir]);
      await back('renamed back');

      await tb.exec(['cp', '-a', dir, `${STAGE}/units-backup`]);
      await tb.exec(['rm', '-rf', dir]);
      await missing('removed');
      await tb.exec(['cp', '-a', `${STAGE}/units-backup`, dir]);
      await back('restored');
      t.same(
        { web: await tb.containerId('web'), web2: await tb.containerId('web2') },
        ids,
        'at the end: the same two containers as before the directory went away',
      );
    });
  });
}
