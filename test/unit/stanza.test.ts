// Finit stanzas (src/render/stanza.ts) and the runner script, without a machine: nothing from a
// unit reaches the stanza line, options follow the Finit version, comment lines stay short, and
// the runner (run here by the real /bin/sh) gives podman exactly the arguments the unit meant.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { type ContainerModel, translateContainer } from '../../src/model/container.js';
import { buildIndex } from '../../src/model/index.js';
import { translateKube } from '../../src/model/kube.js';
import { translatePod } from '../../src/model/pod.js';
import { finitCaps } from '../../src/render/finit.js';
import {
  argvSection,
  commentLines,
  encodeArg,
  fileStem,
  OWNER_MARK,
  RUNNER_SCRIPT,
  renderPod,
  renderServiceUnit,
  SERVICE_FILE,
  stanzaSource,
  stemIdentity,
} from '../../src/render/stanza.js';
import { loadUnit } from '../helpers/units.js';

const paths = { stanzaDir: '/etc/finit.d/enabled', podman: '/usr/bin/podman', initctl: '/sbin/initctl' };

function model(text: string, filename = 'web.container'): ContainerModel {
  const loaded = loadUnit(filename, text, '/cfg/containers');
  const r = translateContainer(loaded, { index: buildIndex([loaded]), exists: () => false });
  if (!r.model) throw new Error('no model');
  return r.model;
}

const serviceLine = (conf: string) => conf.split('\n').find((l) => l.startsWith('service '))!;

t.test('the stanza line carries nothing from the unit but validated names', async (t) => {
  const hostile = `[Unit]
Description=evil $(touch /tmp/x) \`id\` "q" 'q' # -- cut \\ here
[Container]
Image=localhost/busybox:latest
Exec=sh -c "echo $(id); echo \`id\`; x -- y # z"
Environment=A="1 2 -- 3" B=$HOME
Label=x=-- service [2345] /bin/evil
`;
  const r = renderPod(model(hostile), finitCaps('4.12'), paths, []);
  t.same(r.diagnostics, []);
  const line = serviceLine(r.conf);
  t.match(
    line,
    /^service \[2345\] <usr\/finit-pods> name:pod :web kill:15 log \/bin\/sh \/etc\/finit.d\/enabled\/finit-pods-run web [0-9a-f]{12} -- /,
  );
  const [cmd, desc] = line.split(' -- ');
  t.notMatch(cmd!, /[$`"'#\\;]/, 'no shell or parser metacharacters before the description');
  t.notMatch(desc!, /[$`"'#\\]/, 'the description is sanitised');
  t.ok(Buffer.byteLength(desc!) <= 63, 'description within Finit 4.x limit');
  t.match(
    line.slice(0, line.indexOf(' -- ')),
    / web [0-9a-f]{12}$/,
    'the first "-- " (where Finit starts the description) follows the hash',
  );
  t.equal(r.conf.split('\n').filter((l) => l.startsWith('service')).length, 1, 'one directive only');
  for (const l of r.conf.split('\n'))
    if (!l.startsWith('service') && l !== '') t.ok(l.startsWith('#'), `comment: ${l.slice(0, 40)}`);
  t.ok(r.conf.startsWith(OWNER_MARK), 'ownership marker first');
  t.ok(r.argv.startsWith(OWNER_MARK));
});

t.test('a stanza says what it is: its file name its service, its first line its unit', async (t) => {
  for (const i of [
    { name: 'pod', id: 'web' },
    { name: 'podman-pod', id: 'app' },
    { name: 'kube', id: 'pod-x' },
  ] as const) {
    const stem = fileStem(i);
    t.same(stemIdentity(stem), i, `${stem}: back to its identity`);
    t.same(`${stem}.conf`.match(SERVICE_FILE)?.slice(1), [stem, 'conf'], `${stem}.conf: a service's file`);
  }
  t.equal(stemIdentity('finit-pods-run'), undefined, 'the runner is no service');
  t.notOk(SERVICE_FILE.test('pod-.conf~'), "an editor's backup is not a service's file");
  const conf = renderPod(model('[Container]\nImage=x\n'), finitCaps('4.12'), paths, []).conf;
  t.equal(stanzaSource(conf), '/cfg/containers/web.container', 'the unit it was written from');
  t.equal(
    stanzaSource(`${OWNER_MARK} from /a.container, /a.container.d/x.conf\n`),
    '/a.container',
    'drop-ins after it',
  );
  t.equal(stanzaSource('service [2345] x\n'), undefined, 'not one of ours');
});

t.test('options follow the Finit version', async (t) => {
  const m = model('[Container]\nImage=x\n[Service]\nRestart=always\n');
  t.match(
    serviceLine(renderPod(m, finitCaps('4.2'), paths, ['db']).conf),
    /<usr\/finit-pods,usr\/pod-db> .* restart:100 /,
  );
  t.match(
    serviceLine(renderPod(m, finitCaps('4.12'), paths, ['db']).conf),
    /<usr\/finit-pods,service\/pod:db\/running> .* restart:always /,
  );
  const no = model('[Container]\nImage=x\n[Service]\nRestart=no\n');
  t.match(serviceLine(renderPod(no, finitCaps('4.12'), paths, []).conf), / norestart /);
  // 4.2 runners set usr/pod-NAME for dependents; later versions have service conditions
  t.match(renderPod(m, finitCaps('4.2'), paths, []).argv, /^COND=pod-web$/m);
  t.notMatch(renderPod(m, finitCaps('4.12'), paths, []).argv, /^COND=/m);
});

t.test('readiness: what dependents wait for, and what the runner and the daemon are given', async (t) => {
  const dep = [{ name: 'pod' as const, id: 'my.db', ready: 'healthy' as const }];
  const m = model('[Container]\nImage=x\n');
  // Notify=healthy: the daemon's usr/ condition on every version, its '.' written ':'
  for (const v of ['4.2', '4.12', '4.15'])
    t.match(
      serviceLine(renderPod(m, finitCaps(v), paths, dep).conf),
      /<usr\/finit-pods,usr\/ready-pod-my:db> /,
      `Finit ${v}`,
    );

  const healthy = model('[Container]\nImage=x\nHealthCmd=true\nHealthInterval=5s\nNotify=healthy\n');
  const healthyArgv = () => renderPod(healthy, finitCaps('4.15'), paths, []).argv;
  for (const v of ['4.2', '4.12']) {
    const r = renderPod(healthy, finitCaps(v), paths, []);
    t.same(r.diagnostics, []);
    t.match(r.argv, /^INITCTL=\/sbin\/initctl$/m, `${v}: the runner clears the condition with initctl`);
    t.match(r.argv, /^READY_COND=ready-pod-web$/m);
    t.equal(r.argv.match(/^INITCTL=/gm)?.length, 1, 'INITCTL once');
    t.match(
      r.argv,
      /^HEALTH=\{"intervalMs":5000,"timeoutMs":30000,"retries":3,"startPeriodMs":0,"onFailure":"none"\}$/m,
    );
    t.notOk(
      r.runArgv.some((a) => a.startsWith('--sdnotify')),
      'podman is not the notifier',
    );
  }
  const plain = renderPod(m, finitCaps('4.12'), paths, []);
  t.notMatch(plain.argv, /^(INITCTL|READY_COND|HEALTH)=/m, 'nothing of it without a health check');

  // Notify=true: the runner relays READY=1 to the same condition, on every version
  for (const v of ['4.2', '4.12', '4.15']) {
    const notify = renderPod(model('[Container]\nImage=x\nNotify=true\n'), finitCaps(v), paths, []);
    t.same(notify.diagnostics, []);
    t.notMatch(serviceLine(notify.conf), /notify:/, "never notify:systemd: conmon's READY=1 cannot reach it");
    t.match(notify.argv, /^NOTIFY=1$/m, `${v}: the runner relays`);
    t.match(notify.argv, /^READY_COND=ready-pod-web$/m);
    t.match(notify.argv, /^INITCTL=\/sbin\/initctl$/m);
    t.ok(notify.runArgv.includes('--sdnotify=container'), 'podman passes NOTIFY_SOCKET into the container');
  }
  t.notMatch(healthyArgv(), /^NOTIFY=/m, 'Notify=healthy: the daemon sets it, not the runner');
  const dependent = renderPod(m, finitCaps('4.15'), paths, [{ name: 'pod', id: 'db', ready: 'notify' }]);
  t.match(
    serviceLine(dependent.conf),
    /<usr\/finit-pods,usr\/ready-pod-db> /,
    'what waits for it waits for READY=1',
  );
});

t.test("a .pod's members wait for the condition its runner sets once the pod is created", async (t) => {
  const member = model('[Container]\nImage=x\n');
  for (const v of ['4.2', '4.12', '4.14'])
    t.match(
      serviceLine(renderPod(member, finitCaps(v), paths, [{ name: 'podman-pod', id: 'shop' }]).conf),
      /<usr\/finit-pods,usr\/podman-pod-shop> /,
      `Finit ${v}: usr/podman-pod-shop, not service/podman-pod:shop/running`,
    );
  const unit = loadUnit('shop.pod', '[Pod]\n', '/cfg/containers');
  const pod = translatePod(unit, { index: buildIndex([unit]), exists: () => false }).model!;
  const argv = renderServiceUnit(pod, finitCaps('4.14'), paths, []).argv;
  t.match(argv, /^COND=podman-pod-shop$/m, 'the pod runner sets it');
  t.match(argv, /^INITCTL=\/sbin\/initctl$/m, 'with initctl');
});

t.test('kill delay: StopTimeout + 5, TimeoutStopSec when longer, within the version maximum', async (t) => {
  const kill = (text: string, v = '4.12') =>
    serviceLine(renderPod(model(text), finitCaps(v), paths, []).conf).match(/kill:(\d+)/)?.[1];
  t.equal(kill('[Container]\nImage=x\n'), '15');
  t.equal(kill('[Container]\nImage=x\nStopTimeout=30\n'), '35');
  t.equal(kill('[Container]\nImage=x\n[Service]\nTimeoutStopSec=45\n'), '45');
  const short = renderPod(
    model('[Container]\nImage=x\nStopTimeout=20\n[Service]\nTimeoutStopSec=5\n'),
    finitCaps('4.12'),
    paths,
    [],
  );
  t.match(serviceLine(short.conf), /kill:25 /);
  t.match(short.diagnostics[0]?.message, /shorter than StopTimeout/);
  const tooLong = renderPod(model('[Container]\nImage=x\nStopTimeout=100\n'), finitCaps('4.12'), paths, []);
  t.match(tooLong.diagnostics.find((d) => d.severity === 'error')?.message, /at most 60 s/);
  t.same(
    renderPod(model('[Container]\nImage=x\nStopTimeout=100\n'), finitCaps('4.14'), paths, []).diagnostics,
    [],
  );
});

t.test('the runner path is an argument: at most 63 bytes before Finit 4.13, 255 from 4.13', async (t) => {
  const m = model('[Container]\nImage=x\n');
  const deep = { ...paths, stanzaDir: `/etc/finit.d/${'d'.repeat(40)}` };
  t.match(renderPod(m, finitCaps('4.12'), deep, []).diagnostics[0]?.message, /longer than the 63 bytes/);
  t.same(renderPod(m, finitCaps('4.14'), deep, []).diagnostics, []);
});

t.test('pod names longer than the :ID limit are errors, never truncated', async (t) => {
  const m = model('[Container]\nImage=x\n', 'averyverylongpodname.container');
  t.match(renderPod(m, finitCaps('4.12'), paths, []).diagnostics[0]?.message, /keeps at most 15/);
  t.same(renderPod(m, finitCaps('4.17'), paths, []).diagnostics, []);
});

t.test('the hash changes with the configuration and nothing else', async (t) => {
  const a = renderPod(model('[Container]\nImage=x\nExec=a\n'), finitCaps('4.12'), paths, []);
  const b = renderPod(model('[Container]\nImage=x\nExec=a\n'), finitCaps('4.12'), paths, []);
  const c = renderPod(model('[Container]\nImage=x\nExec=b\n'), finitCaps('4.12'), paths, []);
  t.equal(a.conf, b.conf, 'byte-identical for the same unit');
  t.equal(a.argv, b.argv);
  t.not(a.hash, c.hash);
  t.ok(a.runArgv.includes(`io.finit-pods.hash=${a.hash}`), 'the container carries the hash label');
  t.ok(a.runArgv.includes('io.finit-pods.managed=true') && a.runArgv.includes('io.finit-pods.pod=web'));
  t.notOk(
    a.runArgv.includes('--replace'),
    'never --replace: a container finit-pods does not own is left alone',
  );
});

t.test('comment lines stay short and single-line whatever the input', async (t) => {
  const lines = commentLines('# x ', `${'a'.repeat(3000)}\nservice [2345] /bin/evil\r${'é'.repeat(600)}`);
  t.ok(lines.length > 3);
  for (const l of lines) {
    t.ok(Buffer.byteLength(l) <= 900, 'at most 900 bytes');
    t.ok(l.startsWith('#'), 'a comment');
    t.notMatch(l, /[\n\r]/);
  }
  t.same(commentLines('# ', 'short'), ['# short']);
});

t.test('argv encoding', async (t) => {
  t.equal(encodeArg('plain'), ' plain');
  t.equal(encodeArg('a\\b'), ' a\\\\b');
  t.equal(encodeArg('two\nlines'), ' two\\nlines');
  t.equal(encodeArg(''), ' ');
});

// (what sync writes of it, byte for byte, is in test/golden/VERSION/finit-pods-run)
t.test('the runner is src/render/finit-pods-run.sh', async (t) => {
  const file = readFileSync(new URL('../../src/render/finit-pods-run.sh', import.meta.url), 'utf8');
  t.equal(RUNNER_SCRIPT, file, 'the text of the file, byte for byte');
});

t.test('the runner gives the command exactly its arguments, and stops it on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fp-runner-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const values = [
    'plain',
    'with space',
    "single ' quote",
    'double " quote',
    '$HOME',
    '$(touch pwned)',
    '`touch pwned`',
    'semi;colon',
    '# hash',
    ' -- ',
    'back\\slash\\n',
    'new\nline',
    '\\c stops printf',
    'é 日本',
    '',
    '-e',
    '@run',
  ];
  const out = join(dir, 'out');
  const argv = [
    `${OWNER_MARK} test`,
    'POD=t',
    ...argvSection('prestart', ['/bin/true']),
    ...argvSection('run', [
      '/bin/sh',
      '-c',
      'for a in "$@"; do printf "[%s]\\n" "$a"; done > "$0"',
      out,
      ...values,
    ]),
    ...argvSection('stop', ['/bin/true']),
  ].join('\n');
  writeFileSync(join(dir, 'pod-t.argv'), `${argv}\n`);
  writeFileSync(join(dir, 'finit-pods-run'), RUNNER_SCRIPT);
  chmodSync(join(dir, 'finit-pods-run'), 0o755);
  const r = spawnSync('/bin/sh', [join(dir, 'finit-pods-run'), 't', 'hash'], {
    cwd: dir,
    env: { PATH: '/usr/bin:/bin', FINIT_PODS_RUN_DIR: join(dir, 'run') },
    timeout: 20_000,
    encoding: 'utf8',
  });
  t.equal(r.status, 0, r.stderr);
  t.equal(
    readFileSync(out, 'utf8'),
    values.map((v) => `[${v}]\n`).join(''),
    'every argument arrives exactly',
  );
  t.throws(() => readFileSync(join(dir, 'pwned')), 'nothing was executed');

  /**
   * The runner for pod NAME with these @run and @stop commands, its process group sent SIGTERM
   * after DELAY s, as Finit does (the runner leads its own group, as under Finit's setsid()).
   */
  const stopCase = (
    name: string,
    runCmd: string[],
    stopCmd: string[],
    delay: number,
    prestart = ['/bin/true'],
  ): string => {
    const argv = [
      `${OWNER_MARK} test`,
      ...argvSection('prestart', prestart),
      ...argvSection('run', runCmd),
      ...argvSection('stop', stopCmd),
    ].join('\n');
    writeFileSync(join(dir, `pod-${name}.argv`), `${argv}\n`);
    return execFileSync(
      '/bin/sh',
      [
        '-c',
        `FINIT_PODS_RUN_DIR=${dir}/run setsid /bin/sh ${dir}/finit-pods-run ${name} h & p=$!; sleep ${delay}; kill -TERM -$p; wait $p; echo rc=$?`,
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
  };

  // a fake container: waits for the flag file $0 (at most 15 s, so a failed test leaves no
  // process behind: the runner puts it in a session of its own, out of reach of the timeout)
  const untilFlag = 'i=0; while [ ! -e "$0" ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done';

  // SIGTERM: the runner runs @stop, which ends the command; it exits when the command does
  const flag = join(dir, 'flag');
  const child = stopCase(
    's',
    ['/bin/sh', '-c', `trap "" TERM; ${untilFlag}; echo stopped > "$0.done"`, flag],
    ['/bin/sh', '-c', 'touch "$0"', flag],
    0.5,
  );
  t.match(child, /rc=0/);
  t.equal(readFileSync(join(dir, 'flag.done'), 'utf8'), 'stopped\n', 'the stop command ended the pod');

  // SIGTERM while podman run is still creating the container: the command, in a group of its
  // own, does not get Finit's SIGTERM (podman run would exit and leave the container behind);
  // stop (podman stop --ignore) finds nothing yet and succeeds doing nothing; it is run again
  // until the command has ended
  const late = join(dir, 'late');
  const t0 = Date.now();
  const lateRun = stopCase(
    'late',
    ['/bin/sh', '-c', `sleep 1.5; : > "$0.ready"; ${untilFlag}; echo stopped > "$0.done"`, late],
    ['/bin/sh', '-c', '[ -e "$0.ready" ] || exit 0; : > "$0"', late],
    0.3,
  );
  t.match(lateRun, /rc=0/);
  t.equal(readFileSync(`${late}.done`, 'utf8'), 'stopped\n', 'stopped once it was there');
  t.ok(Date.now() - t0 < 6000, `within a few seconds (${Date.now() - t0} ms)`);

  // SIGTERM before the command has started (here: during a slow prestart): it never starts
  const early = join(dir, 'early');
  const earlyRun = stopCase('early', ['/bin/sh', '-c', ': > "$0"', early], ['/bin/true'], 0.3, [
    '/bin/sleep',
    '1',
  ]);
  t.match(earlyRun, /rc=0/);
  t.notOk(existsSync(early), 'the command was not started after the SIGTERM');
});

t.test(
  'a oneshot .kube: played once, its service waits, and SIGTERM runs kube down and ends it',
  async (t) => {
    const unit = loadUnit('job.kube', '[Kube]\nYaml=job.yml\n[Service]\nType=oneshot\n', '/cfg/containers');
    const kube = translateKube(unit, { index: buildIndex([unit]), exists: () => false }).model!;
    const r = renderServiceUnit(kube, finitCaps('4.12'), paths, [], 'a'.repeat(64));
    t.match(r.argv, /^ONESHOT=1$/m, 'the runner is told');
    t.same(r.sections.get('run'), ['sleep', '2147483647'], 'its run section only waits');
    t.match(r.sections.get('create')?.join(' '), /kube play .*\/cfg\/containers\/job\.yml$/, 'the play');
    t.match(r.sections.get('stop')?.join(' '), /kube down .*job\.yml$/, 'kube down on stop');

    const dir = mkdtempSync(join(tmpdir(), 'fp-oneshot-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, 'kube-job.argv'),
      `${[
        `${OWNER_MARK} test`,
        'ONESHOT=1',
        ...argvSection('create', ['/bin/sh', '-c', 'echo played >> "$0"', join(dir, 'played')]),
        ...argvSection('run', ['sleep', '1000']),
        ...argvSection('stop', ['/bin/sh', '-c', 'touch "$0"', join(dir, 'down')]),
      ].join('\n')}\n`,
    );
    writeFileSync(join(dir, 'finit-pods-run'), RUNNER_SCRIPT);
    const t0 = Date.now();
    const out = execFileSync(
      '/bin/sh',
      [
        '-c',
        `FINIT_PODS_RUN_DIR=${dir}/run setsid /bin/sh ${dir}/finit-pods-run kube:job h & p=$!; sleep 0.5; kill -TERM -$p; wait $p; echo rc=$?`,
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    t.equal(readFileSync(join(dir, 'played'), 'utf8'), 'played\n', 'played once');
    t.ok(existsSync(join(dir, 'down')), 'SIGTERM ran the stop command');
    t.ok(Date.now() - t0 < 5000, `and the runner ended at once (${Date.now() - t0} ms)`);
    t.match(out, /rc=/);
  },
);

t.test("the runner's copy of its argv file appears whole, and a half-made one is cleared", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fp-copy-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'finit-pods-run'), RUNNER_SCRIPT);
  const run = join(dir, 'run');
  execFileSync('mkdir', ['-p', join(run, 'argv'), join(dir, 'bin')]);
  // what a runner killed while it copied left behind
  writeFileSync(join(run, 'argv', 'web.999999.tmp'), 'POD=web\n');
  // a cat that stops halfway for a while, as a loaded machine may stop the runner
  writeFileSync(join(dir, 'bin', 'cat'), '#!/bin/sh\nhead -c 20 "$1"; sleep 1; tail -c +21 "$1"\n');
  chmodSync(join(dir, 'bin', 'cat'), 0o755);
  const text = `${[`${OWNER_MARK} test`, 'POD=web', ...argvSection('run', ['/bin/sleep', '1']), ...argvSection('stop', ['/bin/true'])].join('\n')}\n`;
  writeFileSync(join(dir, 'pod-web.argv'), text);
  const child = spawn('/bin/sh', [join(dir, 'finit-pods-run'), 'web', 'h'], {
    env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin`, FINIT_PODS_RUN_DIR: run },
    stdio: 'ignore',
  });
  const ended = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  // what the daemon would read as soon as NAME.PID appears, looked at every 20 ms
  const seen = new Set<string>();
  let done = false;
  void ended.then(() => {
    done = true;
  });
  while (!done) {
    for (const f of readdirSync(join(run, 'argv')))
      if (/^web\.\d+$/.test(f)) seen.add(readFileSync(join(run, 'argv', f), 'utf8'));
    await new Promise((r) => setTimeout(r, 20));
  }
  t.equal(await ended, 0, 'the runner ran the pod');
  t.same([...seen], [text], 'its copy was only ever seen whole');
  t.same(readdirSync(join(run, 'argv')), [], 'and nothing is left, the half-made one included');
});

t.test("Notify=true: the runner relays the container's READY=1 to its condition with socat", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fp-notify-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const calls = join(dir, 'calls');
  writeFileSync(join(dir, 'initctl'), `#!/bin/sh\necho "$*" >>${calls}\n`);
  chmodSync(join(dir, 'initctl'), 0o755);
  writeFileSync(join(dir, 'finit-pods-run'), RUNNER_SCRIPT);
  const send = (msg: string) => `printf '${msg}' | socat -u - "UNIX-SENDTO:$NOTIFY_SOCKET"`;
  const runner = (name: string, run: string, path: string) => {
    writeFileSync(
      join(dir, `pod-${name}.argv`),
      `${[
        `${OWNER_MARK} test`,
        `POD=${name}`,
        'NOTIFY=1',
        `INITCTL=${dir}/initctl`,
        `READY_COND=ready-pod-${name}`,
        ...argvSection('prestart', ['/bin/true']),
        ...argvSection('run', ['/bin/sh', '-c', run]),
        ...argvSection('stop', ['/bin/true']),
      ].join('\n')}\n`,
    );
    // the command ends by itself: the runner then ends too, as when a container exits
    return spawnSync('/bin/sh', [join(dir, 'finit-pods-run'), name, 'h'], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { PATH: path, FINIT_PODS_RUN_DIR: join(dir, 'run') },
    });
  };
  const lines = () => readFileSync(calls, 'utf8').trim().split('\n');

  // the container sends MAINPID= (as podman does), then a status, then READY=1 with another field
  const r = runner(
    'web',
    `${send('MAINPID=1')}; sleep 0.3; ${send('STATUS=starting')}; sleep 0.3; ${send('STATUS=up\\nREADY=1')}; sleep 0.5`,
    '/usr/bin:/bin',
  );
  t.equal(r.status, 0, r.stderr);
  t.same(
    lines(),
    ['cond clear ready-pod-web', 'cond set ready-pod-web', 'cond clear ready-pod-web'],
    'cleared at the start, set on READY=1 (not before), cleared as it ends',
  );
  t.notOk(existsSync(join(dir, 'run/notify/pod-web.sock')), 'the socket is gone with the pod');
  t.notOk(existsSync(join(dir, 'run/notify/pod-web.sock.pid')));
  const left = spawnSync('pgrep', ['-f', `${dir}/run/notify`], { encoding: 'utf8' });
  t.equal(left.stdout, '', 'no relay left running');

  // a container that never says READY=1 is never ready
  rmSync(calls);
  runner('mute', `${send('MAINPID=1')}; sleep 1`, '/usr/bin:/bin');
  t.same(lines(), ['cond clear ready-pod-mute', 'cond clear ready-pod-mute'], 'never set');

  // without socat: said, and ready when it runs, as with Notify=false
  const bin = join(dir, 'bin');
  execFileSync('mkdir', [bin]);
  for (const tool of ['cat', 'mkdir', 'mv', 'rm', 'sed', 'grep', 'sleep', 'setsid'])
    execFileSync('ln', [
      '-s',
      execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(),
      join(bin, tool),
    ]);
  rmSync(calls);
  const bare = runner('bare', 'sleep 0.5', bin);
  t.match(
    bare.stderr,
    /bare: Notify=true needs socat, which is not installed: the pod counts as ready when it runs/,
  );
  t.same(lines(), ['cond clear ready-pod-bare', 'cond set ready-pod-bare', 'cond clear ready-pod-bare']);
});
