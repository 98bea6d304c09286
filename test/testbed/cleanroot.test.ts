// finit-pods as a device has it, on every stack (FINIT_PODS_STACKS): a clean root with Finit,
// Podman, Node and finit-pods' .deb (tools/package.mjs) installed, and nothing else of ours: no
// repository, no npm, no node_modules. The layout is Infix's: /usr read-only, /etc a tmpfs that
// starts each boot with only what the image has (finit.d/available/finit-pods.conf, enabled), and
// /cfg and /var/lib/containers file systems of their own that keep what is on them. Finit boots
// it as PID 1; finit-pods.conf starts the daemon; units dropped into /cfg/containers come up; a
// power cut is recovered (the pods' stanzas, in /etc, are gone and written again); status,
// doctor and man work. Packs dist/ as it is (`npm run build`), making what is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { StatusView } from '../../src/inspect/status.js';
import { ensureBuilt, ROOT } from '../helpers/build.js';
import { IMAGE, REPO_DIR, stacksFromEnv, Testbed } from '../helpers/testbed.js';

ensureBuilt();
if (!existsSync(path.join(ROOT, 'dist', 'finit-pods.1')))
  spawnSync(process.execPath, [path.join(ROOT, 'tools', 'man.mjs')], { stdio: 'inherit', timeout: 60_000 });

const HELLO = '<h1>hello from busybox</h1>';
const UNITS: Record<string, string> = {
  'web.container': `[Unit]\nDescription=Web\n\n[Container]\nImage=${IMAGE}\nExec=httpd -f -p 8080 -h /www\nPublishPort=8080:8080\nStopTimeout=1\n`,
  // a network's profile lives in /etc: gone at every boot, made again by boot recovery
  'app.network': '[Network]\nSubnet=10.89.7.0/24\n',
  'worker.container': `[Container]\nImage=${IMAGE}\nExec=sleep 100000\nNetwork=app.network\nStopTimeout=1\n`,
};
const PODS = ['web', 'worker'];

// the .deb of this build, made without building again (other tests may be reading dist/)
const out = mkdtempSync(path.join(tmpdir(), 'finit-pods-cleanroot-'));
t.teardown(() => rmSync(out, { recursive: true, force: true }));
const made = spawnSync(
  process.execPath,
  [path.join(ROOT, 'tools', 'package.mjs'), '--no-build', '--out', out, 'deb'],
  { encoding: 'utf8', timeout: 120_000 },
);
const deb = readdirSync(out).find((f) => f.endsWith('.deb'));
if (made.status !== 0 || !deb) throw new Error(`tools/package.mjs: ${made.stdout}${made.stderr}`);
const DEB = path.join(out, deb);

/** `finit-pods ARGS` as a user on the device runs it: the installed command, on PATH. */
const cli = (tb: Testbed, ...args: string[]) =>
  tb.exec(['finit-pods', ...args], { reject: false, timeout: 120_000 });

async function podsRunning(t: Test, tb: Testbed, old: Map<string, string>, label: string) {
  const ids = new Map<string, string>();
  for (const p of PODS) {
    await tb.waitForStatus(`pod:${p}`, 'running', { timeout: 120_000 });
    ids.set(p, await tb.waitNewContainer(p, old.get(p)));
  }
  t.ok(await tb.waitHttp(8080, '/', HELLO), `${label}: web answers on its published port`);
  const status = await cli(tb, 'status', '--json');
  const view = JSON.parse(status.stdout) as StatusView;
  t.equal(status.exitCode, 0, `${label}: finit-pods status exits 0 ${status.stderr}`);
  t.ok(view.ready, `${label}: status: the daemon set usr/finit-pods`);
  for (const p of PODS) {
    const pod = view.units.find((u) => u.name === p);
    t.equal(pod?.finit?.status, 'running', `${label}: status: pod:${p} running under Finit`);
    t.equal(pod?.container?.state, 'running', `${label}: status: its container running`);
  }
  const doctor = await cli(tb, 'doctor');
  t.equal(doctor.exitCode, 0, `${label}: finit-pods doctor exits 0 ${doctor.stderr}`);
  t.match(doctor.stdout, /every pod is running/, `${label}: doctor finds nothing wrong`);
  return ids;
}

t.jobs = 2;
for (const stack of stacksFromEnv()) {
  t.test(stack, async (t) => {
    const tb = await Testbed.boot({ stack, name: 'cleanroot', install: DEB });
    t.teardown(() => tb.destroy());

    t.test('a clean root: the package and nothing else of ours, in Infix’s layout', async (t) => {
      const sh = async (script: string) => (await tb.sh(script, { reject: false })).exitCode;
      t.not(await sh(`test -e ${REPO_DIR}`), 0, `no source tree (${REPO_DIR})`);
      t.not(await sh('command -v npm'), 0, 'no npm');
      t.not(await sh(`node -e 'require.resolve("chokidar")'`), 0, 'node finds no chokidar package');
      const dpkg = await tb.exec(['dpkg-query', '-s', 'finit-pods']);
      t.match(dpkg.stdout, /^Status: install ok installed$/m, 'the .deb is installed');
      t.match(
        dpkg.stdout,
        /^ \/etc\/finit\.d\/available\/finit-pods\.conf [0-9a-f]{32}$/m,
        'its stanza a conffile',
      );
      t.equal(
        (await tb.exec(['readlink', '-f', '/usr/bin/finit-pods'])).stdout.trim(),
        '/usr/lib/finit-pods/dist/cli/launch.cjs',
        '/usr/bin/finit-pods is the launcher',
      );
      const cache = await tb.sh('FINIT_PODS_CODE_CACHE=report finit-pods --version 2>&1');
      t.match(cache.stdout, /^code cache: accepted$/m, 'the code cache made at build time is taken');
      t.not(await sh('touch /usr/lib/finit-pods/x'), 0, '/usr is read-only');
      t.equal((await tb.exec(['stat', '-f', '-c', '%T', '/etc'])).stdout.trim(), 'tmpfs', '/etc is a tmpfs');
      for (const dir of ['/cfg/containers', '/var/lib/containers', '/etc'])
        t.equal(await sh(`mountpoint -q ${dir}`), 0, `${dir} is a file system of its own`);
      const page = await tb.sh('MANPAGER=cat man finit-pods 2>&1');
      t.match(page.stdout, /finit-pods - run Podman Quadlet container units under Finit/, 'man finit-pods');
    });

    t.test('finit-pods.conf starts the daemon; units dropped into /cfg/containers come up', async (t) => {
      await tb.waitForStatus('finit-pods', 'running');
      for (const [name, text] of Object.entries(UNITS)) await tb.writeUnit(name, text);
      const ids = await podsRunning(t, tb, new Map(), 'first boot');

      t.test('a power cut: /etc starts without the pods’ stanzas, the daemon brings them back', async (t) => {
        await tb.sh('touch /etc/finit.d/enabled/written-before-the-cut');
        await tb.powerCut();
        await tb.start();
        t.notOk(
          await tb.readInside('/etc/finit.d/enabled/written-before-the-cut'),
          'the boot starts from the image’s /etc',
        );
        await tb.waitForStatus('finit-pods', 'running');
        const now = await podsRunning(t, tb, ids, 'after a power cut');
        for (const p of PODS) t.not(now.get(p), ids.get(p), `${p} runs in a new container`);
        t.ok(await tb.readInside('/etc/finit.d/enabled/pod-web.conf'), 'pod-web.conf written again in /etc');
        t.equal(
          (await tb.exec(['podman', 'network', 'exists', 'app'], { reject: false })).exitCode,
          0,
          'network app made again',
        );
      });
    });
  });
}
