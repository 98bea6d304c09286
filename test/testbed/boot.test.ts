// Boot recovery against a real Finit and a real Podman, on every stack (FINIT_PODS_STACKS), each
// stack in its own sandbox: power cuts (SIGKILL of PID 1) with the finit-pods daemon running as a
// Finit service, as on a device.  After every boot the pods must come back by themselves: what a
// power cut leaves behind (Podman 4.3: Created containers holding the pods' names; 5.4: Exited
// ones) is removed before usr/finit-pods lets the pods start, networks are recreated, images are
// checked and archives are not loaded again, and nothing finit-pods does not own is touched.
// Needs a build (dist/): `npx tsc -p tsconfig.json`.
//
// The sandbox persists /etc/finit.d, /cfg/containers and /var/lib/containers across power cuts,
// like a device's config and disk; everything else (the rest of /etc, /run, /var) starts fresh
// at every boot. Test 1b removes the stanzas at a power cut, as Infix's tmpfs /etc does.  A busybox syslogd writes /run/messages: the daemon's log and the pods' output
// (Finit's `log`) of the current boot.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { type ContainerInfo, parsePs } from '../../src/apply/podman.js';
import type { DaemonState } from '../../src/daemon/state.js';
import type { StatusView } from '../../src/inspect/status.js';
import {
  CLI,
  daemonStanza,
  IMAGE,
  MESSAGES,
  podmanMajor,
  REPO_DIR,
  SYSLOGD,
  stacksFromEnv,
  Testbed,
} from '../helpers/testbed.js';

if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);

/** On the persisted storage bind (/var/lib/containers), so it survives power cuts. */
const ARCHIVE = '/var/lib/containers/finit-pods-test/arch.tar';
const THREE = ['web', 'notes', 'cache'];
const GHOSTIMG = '/cfg/containers/ghostimg.container';

const sleeper = (extra = '') => `[Container]\nImage=${IMAGE}\nExec=sleep 100000\nStopTimeout=1\n${extra}`;

/** The daemon's state dir, on persistent storage as on a device (the sandbox's /var/lib is new at every boot). */
const STATE_DIR = '/var/lib/containers/finit-pods';

async function installDaemon(tb: Testbed): Promise<void> {
  await tb.writeStanza('finit-pods.conf', daemonStanza(tb.info, ['--state-dir', STATE_DIR]));
  await tb.initctl('reload');
}

/** The daemon's lines in this boot's syslog (tag "node" on Finit 4.2, "finit-pods" on 4.12 and later). */
async function daemonLog(tb: Testbed): Promise<string[]> {
  const text = (await tb.readInside(MESSAGES)) ?? '';
  return text
    .split('\n')
    .map((l) => l.match(/ (?:node|finit-pods): ((?:debug|info|warn|error|fatal): .*)$/)?.[1])
    .filter((l): l is string => l !== undefined);
}

/** Waits for this boot's "boot recovery done"; returns the daemon's log lines up to then. */
async function waitRecovered(tb: Testbed, timeout = 90_000): Promise<string[]> {
  return tb.waitFor(
    async () => {
      const log = await daemonLog(tb);
      const i = log.findIndex((l) => l.includes('boot recovery done'));
      return i >= 0 ? log.slice(0, i + 1) : undefined;
    },
    { timeout, interval: 250, message: 'the daemon to log "boot recovery done"' },
  );
}

async function containers(tb: Testbed): Promise<ContainerInfo[]> {
  return parsePs((await tb.podman('ps', '-a', '--format', 'json')).stdout);
}

const byName = (cs: ContainerInfo[], name: string) => cs.find((c) => c.names.includes(name));

/**
 * Waits until each pod's service is running and a running container of its name exists, other
 * than the one in `old` (the previous boot's); returns pod → container ID.
 */
async function waitPods(
  tb: Testbed,
  pods: string[],
  old: Map<string, string> = new Map(),
  timeout = 90_000,
): Promise<Map<string, string>> {
  let last = '';
  return tb
    .waitFor(
      async () => {
        const rows = await tb.services();
        const cs = await containers(tb);
        const ids = new Map<string, string>();
        const missing: string[] = [];
        for (const p of pods) {
          const c = byName(cs, p);
          const status = rows.find((r) => r.ident === `pod:${p}`)?.status;
          if (status === 'running' && c?.state === 'running' && c.id !== old.get(p)) ids.set(p, c.id);
          else missing.push(`${p}: ${status ?? 'unknown'}/${c?.state ?? 'no container'}`);
        }
        last = missing.join(', ');
        return missing.length === 0 ? ids : undefined;
      },
      { timeout, interval: 250, message: `pods ${pods.join(', ')} running in new containers` },
    )
    .catch((e: Error) => {
      throw new Error(`${e.message} (last: ${last})`);
    });
}

/** Every pod: running, never restarted; and no service anywhere crashed. */
async function assertHealthy(t: Test, tb: Testbed, pods: string[], label: string): Promise<void> {
  const rows = await tb.services();
  const crashed = rows.filter((r) => r.status === 'crashed').map((r) => r.ident);
  t.same(crashed, [], `${label}: no service crashed`);
  for (const p of pods) {
    t.equal(rows.find((r) => r.ident === `pod:${p}`)?.status, 'running', `${label}: pod:${p} running`);
    t.equal(await tb.restarts(`pod:${p}`), 0, `${label}: pod:${p} started once (0 restarts)`);
  }
  const messages = (await tb.readInside(MESSAGES)) ?? '';
  t.notMatch(messages, /already in use/, `${label}: no "name already in use" in the log`);
}

/** `finit-pods status --json` (docs/status.md). */
async function status(tb: Testbed): Promise<StatusView> {
  const res = await tb.exec(['node', CLI, 'status', '--json'], { reject: false, timeout: 120_000 });
  return JSON.parse(res.stdout) as StatusView;
}

/** The daemon's record of its last apply (/run/finit-pods/state.json). */
async function daemonState(tb: Testbed): Promise<DaemonState | undefined> {
  const text = await tb.readInside('/run/finit-pods/state.json');
  return text ? (JSON.parse(text) as DaemonState) : undefined;
}

async function cli(tb: Testbed, ...args: string[]) {
  return tb.exec(['node', CLI, ...args], { reject: false, timeout: 120_000 });
}

async function exists(tb: Testbed, ...args: string[]): Promise<boolean> {
  return (await tb.exec(['podman', ...args], { reject: false })).exitCode === 0;
}

async function inspect(tb: Testbed, what: string, format: string): Promise<string> {
  return (await tb.podman('inspect', what, '--format', format)).stdout.trim();
}

// Stacks run in parallel, each in its own sandbox (named after this process: a second run of this
// file at the same time must not destroy ours).
t.jobs = 2;
const NAME = `boot-${process.pid}`;

for (const stack of stacksFromEnv()) {
  t.test(stack, async (t) => {
    const tb = await Testbed.boot({ stack, name: NAME });
    t.teardown(() => tb.destroy());
    await tb.writeStanza('syslogd.conf', SYSLOGD);
    await tb.initctl('reload');
    await tb.waitForStatus('syslogd', 'running');
    // An image only an archive has: busybox re-imported under its own name and ID, saved as an
    // OCI archive on the persisted disk, then removed from the store.
    await tb.sh(
      `set -e; mkdir -p ${path.dirname(ARCHIVE)}
       podman create -q --name archsrc ${IMAGE} true >/dev/null
       podman export archsrc | podman import -q - localhost/arch:1 >/dev/null
       podman rm archsrc >/dev/null
       podman save -q --format oci-archive -o ${ARCHIVE} localhost/arch:1
       podman rmi localhost/arch:1 >/dev/null`,
      { timeout: 120_000 },
    );
    for (const p of THREE) await tb.writeUnit(`${p}.container`, sleeper());
    await installDaemon(tb);
    await waitRecovered(tb);
    let ids = await waitPods(tb, THREE);

    t.test('1. three pods, five power cuts in a row: all come back by themselves', async (t) => {
      const times: number[] = [];
      for (let round = 1; round <= 5; round++) {
        const label = `round ${round}`;
        const t0 = Date.now();
        await tb.powerCut();
        await tb.start();
        const log = await waitRecovered(tb);
        const now = await waitPods(tb, THREE, ids);
        times.push(Date.now() - t0);
        for (const p of THREE) t.not(now.get(p), ids.get(p), `${label}: ${p} runs in a new container`);
        await assertHealthy(t, tb, THREE, label);
        const left = (await containers(tb)).map((c) => `${c.names[0]}:${c.state}`).sort();
        t.same(left, ['cache:running', 'notes:running', 'web:running'], `${label}: nothing else left over`);
        // the removal by label started before the daemon had loaded the rest of itself
        // (boot-start.ts): Finit's condition files told it no pod may start yet
        t.match(log.at(-1), / removal=at-start( |$)/, `${label}: removal started at the daemon's start`);
        // after it, nothing else held a pod's name and every image was there: storage's own
        // records said so (apply/storage.ts), no podman listing was waited for
        t.match(log.at(-1), / listing=storage( |$)/, `${label}: what was left, from storage's records`);
        t.match(log.at(-1), / images=storage( |$)/, `${label}: images, from storage's records`);
        if (podmanMajor(tb.info) < 5) {
          // Podman 4.3 brings the pods' containers back as Created, holding their names; they go
          // by their label, and podman's event log names their pods
          for (const p of THREE) {
            t.ok(
              log.some(
                (l) =>
                  l.startsWith(`info: removed: finit-pods container of pod ${p}, from before the boot`) &&
                  l.includes(`container=${p} `),
              ),
              `${label}: the daemon removed ${p}'s Created leftover and said so`,
            );
          }
        }
        ids = now;
      }
      t.comment(`${stack}: power cut → three pods running: ${times.join(', ')} ms`);
    });

    t.test(
      '1b. /etc a tmpfs, as on Infix: every stanza written again, no podman asked for its options',
      async (t) => {
        const kept = path.join(
          tb.storageDir,
          path.relative('/var/lib/containers', STATE_DIR),
          'run-options.json',
        );
        t.ok(existsSync(kept), "podman's run options are kept on persistent storage");
        const before = statSync(kept).mtimeMs;
        await tb.powerCut();
        const enabled = path.join(tb.finitDir, 'enabled');
        for (const f of readdirSync(enabled))
          if (/^pod-|^finit-pods-run$/.test(f)) await tb.removeStanza(`enabled/${f}`);
        await tb.start();
        await waitRecovered(tb);
        ids = await waitPods(tb, THREE, ids);
        await assertHealthy(t, tb, THREE, 'after a boot without stanzas');
        t.equal(
          statSync(kept).mtimeMs,
          before,
          'the options came from the state dir: podman was not asked again',
        );
      },
    );

    t.test(
      '2. pods held back at boot: a hand-made Created "web" goes, a network comes back, nothing else is touched',
      async (t) => {
        await tb.writeUnit('app.network', '[Network]\n');
        await tb.writeUnit(
          'netpod.container',
          sleeper().replace('[Container]\n', '[Container]\nNetwork=app.network\n'),
        );
        ids = new Map([...ids, ...(await waitPods(tb, ['netpod']))]);
        t.ok(await exists(tb, 'network', 'exists', 'app'), 'network app exists before the power cut');

        await tb.powerCut();
        await tb.removeStanza('finit-pods.conf'); // the daemon stays off for this boot, for now
        await tb.start();
        for (const p of [...THREE, 'netpod'])
          t.not(await tb.serviceStatus(`pod:${p}`), 'running', `without the daemon pod:${p} is held back`);
        t.notOk(
          await exists(tb, 'network', 'exists', 'app'),
          'network app is gone after the boot (/etc is volatile here, as on a device)',
        );
        // The podman-service scenario: a container made by hand with a pod's name, sitting in Created.
        // (--replace: on Podman 4.3 the pod's own leftover still holds the name; it prints its name)
        const hand = (
          await tb.podman('create', '--replace', '--name', 'web', IMAGE, 'sleep', '100000')
        ).stdout
          .trim()
          .split('\n')
          .at(-1)!;
        const bystander = (
          await tb.podman('run', '-d', '--name', 'bystander', IMAGE, 'sleep', '100000')
        ).stdout.trim();
        const loner = (await tb.podman('create', '--name', 'loner', IMAGE, 'true')).stdout.trim();
        t.equal(await inspect(tb, hand, '{{.State.Status}}'), 'created', 'the hand-made web is Created');

        await installDaemon(tb);
        const log = await waitRecovered(tb);
        t.ok(
          log.some(
            (l) =>
              l.startsWith('info: removed: created container holds the name of pod web') &&
              l.includes(`id=${hand.slice(0, 12)}`),
          ),
          'the daemon logs why it removed the hand-made web',
        );
        t.match(
          log.at(-1),
          / listing=podman( |$)/,
          "storage's records showed a container holding a pod's name: podman listed them",
        );
        t.notOk(await exists(tb, 'container', 'exists', hand), 'the hand-made web is gone');
        const now = await waitPods(tb, [...THREE, 'netpod'], ids);
        ids = now;
        await assertHealthy(t, tb, [...THREE, 'netpod'], 'after recovery');
        t.equal(
          await inspect(tb, 'web', '{{index .Config.Labels "io.finit-pods.managed"}}'),
          'true',
          'web now runs the pod (finit-pods label)',
        );
        t.ok(await exists(tb, 'network', 'exists', 'app'), 'network app recreated');
        t.match(
          await inspect(tb, 'netpod', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}'),
          /\bapp\b/,
          'netpod is attached to network app',
        );
        t.equal(await inspect(tb, 'bystander', '{{.Id}}'), bystander, 'bystander: same container');
        t.equal(await inspect(tb, 'bystander', '{{.State.Status}}'), 'running', 'bystander: still running');
        t.equal(await inspect(tb, 'loner', '{{.Id}}'), loner, 'an unrelated Created container: left alone');
        t.notOk(
          log.some((l) => l.includes('bystander') || l.includes('loner')),
          'the log never mentions them',
        );
      },
    );

    t.test(
      '3. a missing image is reported, an archive is loaded once; after a power cut both still hold',
      async (t) => {
        await tb.writeUnit(
          'ghostimg.container',
          `[Container]\nImage=localhost/no-such-image:1\nExec=sleep 1000\n`,
        );
        await tb.writeUnit(
          'arch.container',
          `[Container]\nImage=oci-archive:${ARCHIVE}\nExec=sleep 100000\nStopTimeout=1\n`,
        );
        ids = new Map([...ids, ...(await waitPods(tb, ['arch']))]);
        const tags = (await tb.podman('images', '--format', '{{.Repository}}:{{.Tag}}')).stdout;
        const tag = tags.match(/^localhost\/finit-pods\/archive-[0-9a-f]{12}:latest$/m)?.[0];
        t.ok(tag, `the archive was loaded under its own tag (${tag})`);
        const imageId = await inspect(tb, tag!, '{{.Id}}');
        t.equal(await inspect(tb, 'arch', '{{.Image}}'), imageId, 'pod arch runs the archive’s image');
        t.ok(
          await exists(tb, 'image', 'exists', 'localhost/arch:1'),
          'podman load also restored the saved name',
        );
        await tb.podman('untag', imageId, 'localhost/arch:1'); // a second load would bring it back

        const missing = async (label: string, pods: string[]) => {
          const view = await status(tb);
          const v = view.units.find((u) => u.name === 'ghostimg');
          t.equal(v?.healthy, false, `${label}: status: ghostimg not healthy`);
          t.same(
            v?.image,
            { ref: 'localhost/no-such-image:1', present: false },
            `${label}: status: image absent`,
          );
          t.match(v?.problem, /^image missing: /, `${label}: status: problem "image missing: …"`);
          for (const p of pods)
            t.equal(view.units.find((u) => u.name === p)?.healthy, true, `${label}: status: ${p} healthy`);
          const st = await tb.waitFor(async () => (await daemonState(tb))?.units[GHOSTIMG], {
            message: 'the daemon state to list ghostimg',
          });
          t.equal(st.state, 'error', `${label}: daemon state: ghostimg error`);
          t.equal(st.last, 'image-missing', `${label}: daemon state: last apply image-missing`);
          t.ok(
            st.messages.some((m) => m.includes('image missing')),
            `${label}: daemon state: the message says "image missing"`,
          );
        };
        await missing('before the power cut', ['arch']);

        await tb.powerCut();
        await tb.start();
        const log = await waitRecovered(tb);
        const pods = [...THREE, 'netpod', 'arch'];
        const now = await waitPods(tb, pods, ids);
        ids = now;
        await assertHealthy(t, tb, pods, 'after the power cut');
        t.ok(
          log.some((l) => l.startsWith('error: pod:ghostimg: image missing')),
          'the daemon logs the missing image at boot',
        );
        t.match(log.at(-1), / images=storage( |$)/, "the image check read storage's records");
        await missing('after the power cut', pods);
        t.equal(await tb.serviceStatus('pod:ghostimg'), undefined, 'no service for ghostimg');
        t.notOk(existsSync(path.join(tb.finitDir, 'enabled', 'pod-ghostimg.conf')), 'and no stanza');

        t.equal(await inspect(tb, tag!, '{{.Id}}'), imageId, 'the archive tag: same image');
        t.equal(await inspect(tb, 'arch', '{{.Image}}'), imageId, 'arch runs it again');
        t.notOk(
          await exists(tb, 'image', 'exists', 'localhost/arch:1'),
          'the archive was not loaded again (the name it restores is still gone)',
        );

        t.ok(await exists(tb, 'network', 'exists', 'app'), 'network app recreated after the power cut');
        t.match(
          await inspect(tb, 'netpod', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}'),
          /\bapp\b/,
          'netpod is on it',
        );
      },
    );

    t.test('4. a container killed outside Finit (conmon and its processes) comes back', async (t) => {
      const old = ids.get('notes')!;
      const conmon = await inspect(tb, old, '{{.State.ConmonPid}}');
      const pid = await inspect(tb, old, '{{.State.Pid}}');
      t.match(conmon, /^[1-9]\d*$/, `conmon pid ${conmon}`);
      await tb.exec(['kill', '-9', conmon, pid]);
      const t0 = Date.now();
      const now = await waitPods(tb, ['notes'], ids, 120_000);
      t.not(now.get('notes'), old, 'notes runs in a new container');
      const n = await tb.restarts('pod:notes');
      t.comment(`${stack}: notes back ${Date.now() - t0} ms after the kill, ${n} restart(s)`);
      t.ok(n >= 1 && n < 10, `Finit restarted pod:notes (${n} restarts, not crashed)`);
      t.equal(await tb.serviceStatus('pod:notes'), 'running', 'pod:notes running');
      const messages = (await tb.readInside(MESSAGES)) ?? '';
      t.notMatch(messages, /already in use/, 'never "name already in use"');
      for (const p of ['web', 'cache', 'netpod', 'arch'])
        t.equal(await tb.containerId(p), ids.get(p)?.slice(0, 12), `${p} untouched`);
      ids = new Map([...ids, ...now]);
    });

    t.test('5. finit-pods cleanup --dry-run lists, cleanup removes', async (t) => {
      // a pod in runlevel 1: its name is free in runlevel 2, so a foreign container can take it
      await tb.writeUnit('spare.container', sleeper('[Install]\nWantedBy=rescue.target\n'));
      await tb.waitFor(() => existsSync(path.join(tb.finitDir, 'enabled', 'pod-spare.conf')), {
        message: 'pod-spare.conf written by the daemon',
      });
      const spare = (await tb.podman('run', '-d', '--name', 'spare', IMAGE, 'sleep', '100000')).stdout.trim();
      const zombie = (
        await tb.podman(
          'create',
          '--name',
          'zombie',
          '--label',
          'io.finit-pods.managed=true',
          '--label',
          'io.finit-pods.pod=zombie',
          IMAGE,
          'true',
        )
      ).stdout.trim();
      const squatter = (await tb.podman('create', '--name', 'ghostimg', IMAGE, 'true')).stdout.trim();
      const before = (await containers(tb)).map((c) => c.id).sort();

      const dry = await cli(tb, 'cleanup', '--dry-run');
      t.equal(dry.exitCode, 0, `cleanup --dry-run exits 0 ${dry.stderr}`);
      const lines = dry.stderr.trim().split('\n').sort();
      t.same(
        lines,
        [
          `left alone: spare (${spare.slice(0, 12)}): running container not started by finit-pods holds the name of pod spare; left alone`,
          `would remove ghostimg (${squatter.slice(0, 12)}): created container holds the name of pod ghostimg`,
          `would remove zombie (${zombie.slice(0, 12)}): finit-pods container of pod zombie, created`,
        ],
        'each with its reason',
      );
      t.equal(dry.stdout.trim(), 'would remove 2 containers; 1 left alone', 'summary');
      t.same((await containers(tb)).map((c) => c.id).sort(), before, 'dry run: nothing removed');

      const real = await cli(tb, 'cleanup');
      t.equal(real.exitCode, 0, `cleanup exits 0 ${real.stderr}`);
      t.match(real.stderr, `removed zombie (${zombie.slice(0, 12)})`);
      t.match(real.stderr, `removed ghostimg (${squatter.slice(0, 12)})`);
      t.equal(real.stdout.trim(), 'removed 2 containers; 1 left alone', 'summary');
      const after = await containers(tb);
      t.notOk(
        after.some((c) => c.id === zombie || c.id === squatter),
        'both are gone',
      );
      t.equal(byName(after, 'spare')?.state, 'running', 'the running foreign one stays');
      t.equal(after.length, before.length - 2, 'nothing else removed');
      for (const [p, id] of ids) t.equal(byName(after, p)?.id, id, `${p}: same container, untouched`);

      // containers/storage's records, as boot recovery reads them, name the same containers and
      // images as podman (ps -a --external, images), this one with all sorts: running, created,
      // finit-pods', foreign
      const read = await tb.exec(
        [
          'node',
          '--input-type=module',
          '-e',
          `const s = (await import(${JSON.stringify(path.join(REPO_DIR, 'dist/apply/storage.js'))})).hostStorage();
           const i = s.images?.();
           console.log(JSON.stringify({ s, containers: s.containers?.(), names: i && [...i.names], ids: i && [...i.ids] }));`,
        ],
        { timeout: 60_000 },
      );
      const stored = JSON.parse(read.stdout) as {
        s: { root?: string; unsupported?: string };
        containers?: { id: string; names: string[] }[];
        names?: string[];
        ids?: string[];
      };
      t.equal(
        stored.s.root,
        '/var/lib/containers/storage',
        `storage read directly ${stored.s.unsupported ?? ''}`,
      );
      const ps = parsePs((await tb.podman('ps', '-a', '--external', '--format', 'json')).stdout);
      t.ok(ps.length >= 8, `a mix of containers (${ps.length})`);
      t.same(
        stored.containers?.map((c) => `${c.id} ${c.names.join(',')}`).sort(),
        ps.map((c) => `${c.id} ${c.names.join(',')}`).sort(),
        'containers: the same IDs and names as podman ps -a --external',
      );
      const images = JSON.parse((await tb.podman('images', '--format', 'json')).stdout) as {
        Id: string;
        Names?: string[] | null;
        RepoDigests?: string[] | null;
      }[];
      t.same(stored.ids?.sort(), images.map((i) => i.Id).sort(), 'images: the same IDs as podman images');
      t.same(
        stored.names?.sort(),
        [...new Set(images.flatMap((i) => [...(i.Names ?? []), ...(i.RepoDigests ?? [])]))].sort(),
        'images: the same names and repo@digest as podman images',
      );

      const again = await cli(tb, 'cleanup', '--dry-run');
      t.equal(again.stdout.trim(), 'would remove 0 containers; 1 left alone', 'nothing left to remove');
      await tb.podman('rm', '-f', '-t', '0', 'spare');
    });

    t.test('6. no daemon: finit-pods sync, the first run after a power cut, recovers the same', async (t) => {
      await tb.powerCut();
      await tb.removeStanza('finit-pods.conf');
      await tb.start();
      const pods = [...THREE, 'netpod', 'arch'];
      for (const p of pods)
        t.not(await tb.serviceStatus(`pod:${p}`), 'running', `pod:${p} held back until sync runs`);
      const r = await cli(tb, 'sync');
      // ghostimg's image is still missing: sync says so and exits 1; the others are applied
      t.equal(r.exitCode, 1, 'sync exits 1 (ghostimg)');
      t.match(r.stdout + r.stderr, /ghostimg/, 'and names ghostimg');
      if (podmanMajor(tb.info) < 5) {
        for (const p of pods)
          t.match(
            r.stderr,
            new RegExp(
              `^removed ${p} \\([0-9a-f]{12}\\): finit-pods container of pod ${p}, from before the boot$`,
              'm',
            ),
            `${p}'s Created leftover removed, and said so`,
          );
      }
      t.ok(await tb.readInside('/run/finit-pods/booted'), 'boot recovery ran');
      ids = await waitPods(tb, pods, ids);
      await assertHealthy(t, tb, pods, 'after sync');
    });
  });
}
