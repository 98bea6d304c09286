// Bad input on the real stack (issue 14's findings 2, 3, 8 and 9 as a user meets them), on every
// stack (FINIT_PODS_STACKS): a boot whose units directory holds a NUL byte in a .network value,
// a FIFO named like a unit, a drop-in symlinked to /dev/zero, a 1 MB file, a 20 KB value and a file name with
// an escape sequence, next to one good unit. The daemon, as a Finit service, does boot recovery,
// sets usr/finit-pods, and the good pod serves; `status` names every bad file (FILE:LINE where
// there is one) with no control character reaching the terminal; the daemon keeps its PID,
// answers `sync`, and stops on SIGTERM. Then a pod named by ServiceName= whose unit breaks (grown
// past 64 KiB, or an edit that renames the pod and adds an unknown key) keeps running: its
// stanza is the one written from that file, whatever the file now says. Needs root and a build (dist/).
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { IMAGE, REPO_DIR, stacksFromEnv, Testbed } from '../helpers/testbed.js';

const CLI = path.join(REPO_DIR, 'dist', 'cli', 'launch.cjs');
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);
const HELLO = '<h1>hello from busybox</h1>';
const WRAPPER = '/etc/fp-test/daemon.sh';
const LOG = '/run/fp-test/daemon.log';
const ESC_NAME = 'evil\x1b[2J.container';

const web = `[Container]\nImage=${IMAGE}\nExec=httpd -f -p 8080 -h /www\nPublishPort=8080:8080\nStopTimeout=1\n`;

async function daemonPid(tb: Testbed): Promise<number | undefined> {
  const row = await tb.service('finit-pods');
  return row?.status === 'running' ? row.pid : undefined;
}

t.jobs = 2;
for (const stack of stacksFromEnv()) {
  t.test(`${stack}: bad units next to a good one at boot`, async (t) => {
    const tb = await Testbed.boot({ stack, name: 'badinput' });
    t.teardown(() => tb.destroy());

    await tb.writeUnit('web.container', web);
    await tb.writeUnit('net.network', '[Network]\nSubnet=10.89.7.0/24\nLabel=a=b\0c\n');
    await tb.writeUnit('dz.container', `[Container]\nImage=${IMAGE}\nExec=sleep 1000\n`);
    await tb.writeUnit(
      'big.container',
      `[Container]\nImage=${IMAGE}\nEnvironment=A=${'x'.repeat(1 << 20)}\n`,
    );
    await tb.writeUnit(
      'long.container',
      `[Container]\nImage=${IMAGE}\nEnvironment=A=${'x'.repeat(20_000)}\n`,
    );
    await tb.writeUnit(ESC_NAME, `[Container]\nImage=${IMAGE}\nBogus\x1b[31m=1\n`);
    await tb.sh(
      'mkfifo /cfg/containers/pipe.container && mkdir -p /cfg/containers/dz.container.d && ' +
        'ln -s /dev/zero /cfg/containers/dz.container.d/zero.conf',
    );
    // a directory where a pod's stanza would go (finding 7), and a unit only root may read, whose
    // values must not land in files others can read (finding 5)
    await tb.writeUnit('dirpod.container', `[Container]\nImage=${IMAGE}\nExec=sleep 1000\n`);
    await tb.sh('mkdir -p /etc/finit.d/enabled/pod-dirpod.conf');
    await tb.writeUnit(
      'secret.container',
      `[Container]\nImage=${IMAGE}\nExec=sleep 1000\nEnvironment=TOKEN=hunter2\n`,
    );
    await tb.sh('chmod 600 /cfg/containers/secret.container');

    // the daemon as a Finit service, its output to LOG (Finit's own log is written at exit)
    const node = (await tb.sh('command -v node')).stdout.trim();
    await tb.sh(`mkdir -p ${path.dirname(WRAPPER)} ${path.dirname(LOG)}`);
    await writeFile(
      tb.hostPath(WRAPPER),
      `#!/bin/sh\nexec ${node} ${CLI} daemon --log-format json "$@" >>${LOG} 2>&1\n`,
      { mode: 0o755 },
    );
    await tb.writeStanza(
      'enabled/finit-pods.conf',
      `service [2345] name:finit-pods ${WRAPPER} -- finit-pods daemon\n`,
    );
    await tb.initctl('reload');

    await tb.waitForStatus('pod:web', 'running', { timeout: 90_000 });
    t.ok(await tb.waitHttp(8080, '/', HELLO), 'the good pod serves');
    const pid = await daemonPid(tb);
    t.ok(pid, 'the daemon runs');

    const status = await tb.exec(['node', CLI, 'status'], { reject: false, timeout: 60_000 });
    const out = status.stdout + status.stderr;
    t.equal(status.exitCode, 1, 'status answers (exit 1: units with errors)');
    t.match(out, /net\.network:3: error: line contains a NUL byte/, 'the NUL byte, with FILE:LINE');
    t.match(out, /pipe\.container: error: cannot read: a FIFO, not a regular file/, 'the FIFO');
    t.match(
      out,
      /zero\.conf: error: cannot read drop-in: a device, not a regular file/,
      'the /dev/zero drop-in',
    );
    t.match(out, /big\.container: error: cannot read: larger than 64 KiB/, 'a 1 MB file');
    t.match(
      out,
      /long\.container:3: error: Environment=: the value is \d+ bytes; at most 16 KiB/,
      'a 20 KB value',
    );
    t.match(out, /evil\\e\[2J\.container:3: error: /, 'the file name shown escaped');
    t.match(
      out,
      /pod-dirpod\.conf is a directory, not a regular file; it is left alone/,
      'a directory named like a stanza',
    );
    const modes = await tb.sh(
      'stat -c "%a %n" /etc/finit.d/enabled/pod-secret.conf /etc/finit.d/enabled/pod-secret.argv /run/finit-pods/state.json',
    );
    t.same(
      modes.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0]),
      ['600', '600', '600'],
      "stanza, argv and state.json holding the unit's values are 0600",
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting there are none
    t.notMatch(out, /[\x00-\x08\x0b-\x1f\x7f]/, 'no control character reaches the terminal');

    const sync = await tb.exec(['node', CLI, 'sync'], { reject: false, timeout: 60_000 });
    t.equal(sync.exitCode, 1, 'sync through the daemon answers');
    t.match(sync.stdout, /unchanged +pod:web/, 'the good pod is left running');
    t.equal(await daemonPid(tb), pid, 'the daemon never restarted');

    const stopped = Date.now();
    await tb.initctl('stop', 'finit-pods');
    await tb.waitFor(async () => (await daemonPid(tb)) === undefined, {
      timeout: 20_000,
      message: 'the daemon to stop',
    });
    t.ok(Date.now() - stopped < 20_000, 'the daemon stops on SIGTERM');
    t.equal(await tb.serviceStatus('pod:web'), 'running', 'and the pod keeps running');
  });
}

for (const stack of stacksFromEnv()) {
  t.test(`${stack}: a pod named by ServiceName= keeps running when its unit breaks`, async (t) => {
    const tb = await Testbed.boot({ stack, name: 'badname' });
    t.teardown(() => tb.destroy());
    const unit = (more: string) => `[Container]\nImage=${IMAGE}\nExec=sleep 100000\nStopTimeout=1\n${more}`;
    await tb.startDaemon({ 'web.container': unit('ServiceName=front\n') });
    await tb.waitForStatus('pod:front', 'running', { timeout: 90_000 });
    const pidOf = async (ident: string) => (await tb.service(ident))?.pid;
    const pid = await pidOf('pod:front');
    t.ok(pid, 'pod:front runs');
    /** The unit's state as the daemon's last apply left it (state.json), once it says `last`. */
    const applied = async (last: string, message: string) => {
      let said = '';
      await tb.waitFor(
        async () => {
          const state = JSON.parse((await tb.readInside('/run/finit-pods/state.json')) ?? '{}');
          const u = state.units?.['/cfg/containers/web.container'];
          said = JSON.stringify(u);
          return u?.last === last && u.messages.some((m: string) => m.includes(message));
        },
        {
          timeout: 30_000,
          message: () => `web.container ${last} with "${message}"; state.json says ${said}`,
        },
      );
    };

    await tb.writeUnit('web.container', `${unit('ServiceName=front\n')}#${'x'.repeat(70_000)}\n`);
    await applied('kept', 'cannot read: larger than 64 KiB');
    t.pass('grown past 64 KiB: kept, and said why');
    t.equal(await pidOf('pod:front'), pid, 'pod:front runs on, same PID');
    t.ok(await tb.readInside('/etc/finit.d/enabled/pod-front.conf'), 'its stanza stays');
    const shown = async () =>
      (await tb.exec(['node', CLI, 'status'], { reject: false, timeout: 60_000 })).stdout;
    t.match(await shown(), /^pod:front +error +running /m, 'status shows it as pod:front, running');

    await tb.writeUnit('web.container', unit('ServiceName=front2\nImagee=x\n'));
    await applied('kept', 'unsupported key Imagee=');
    t.pass('renamed and broken: kept, and said why');
    t.equal(await pidOf('pod:front'), pid, 'pod:front runs on, same PID');
    t.notOk(await tb.readInside('/etc/finit.d/enabled/pod-front2.conf'), 'no stanza for the new name');
    t.match(await shown(), /^pod:front +error +running /m, 'status still shows pod:front, running');

    await tb.writeUnit('web.container', unit('ServiceName=front2\n'));
    await tb.waitForStatus('pod:front2', 'running', { timeout: 60_000 });
    t.pass('mended: the pod runs under its new name');
    await tb.waitFor(async () => (await pidOf('pod:front')) === undefined, {
      timeout: 30_000,
      message: 'pod:front to go',
    });
    t.notOk(await tb.readInside('/etc/finit.d/enabled/pod-front.conf'), 'and the old one is gone');
  });
}
