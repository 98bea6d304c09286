// finit-pods auto-update on the real stacks (FINIT_PODS_STACKS), with the daemon as a Finit
// service and a real registry (Debian's docker-registry on loopback), issue 17's "done when":
//  - a pod with AutoUpdate=registry (its .image unit's TLSVerify=false passed on) moves to a new
//    good image, and from a bad one (its healthcheck fails) is rolled back within the timeout,
//    the failed digest shown by status and doctor and not tried again by the next run;
//  - a pod whose Image=oci-archive:/path changes on disk moves to the new archive;
//  - a registry that cannot be reached is reported, the pod runs on, nothing crashes;
//  - a power cut once the new image is pulled (the update recorded, the pod restarting) leaves
//    the pod running on the old image or the new one, and the daemon settles the update at start.
// Images: busybox with a file /www/v.txt naming the version; v1, v2 and v4 have a passing
// healthcheck, v3 one that always fails (docker format: OCI images have no healthcheck).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { needRegistry, REGISTRY, REGISTRY_BIN, startRegistry } from '../helpers/registry.js';
import { CLI, IMAGE, type Stack, stackInfo, stacksFromEnv, Testbed } from '../helpers/testbed.js';

if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);
needRegistry();
/** Persistent inside the sandbox (podman's storage survives power cuts, /var/lib does not). */
const STATE_DIR = '/var/lib/containers/finit-pods';
const ARCHIVE = '/var/lib/containers/archives/arc.tar';
const TIMEOUT_S = 25;

const node = (stack: Stack) => stackInfo(stack).node;

const UNITS: Record<string, string> = {
  'app.image': `[Image]\nImage=${REGISTRY}/app:latest\nTLSVerify=false\n`,
  'web.container':
    '[Container]\nImage=app.image\nAutoUpdate=registry\nExec=httpd -f -p 8080 -h /www\nPublishPort=8080:8080\nStopTimeout=1\n',
  'arc.container': `[Container]\nImage=oci-archive:${ARCHIVE}\nAutoUpdate=local\nExec=httpd -f -p 8081 -h /www\nPublishPort=8081:8081\nStopTimeout=1\n`,
};

const containerfile = (version: string, check: string) =>
  `FROM ${IMAGE}\nRUN echo ${version} > /www/v.txt\nHEALTHCHECK --interval=2s --timeout=5s CMD ${check}\n`;

interface Report {
  pod: string;
  result: string;
  image?: string;
  message: string;
}

t.jobs = 2;
for (const stack of stacksFromEnv()) {
  t.test(`${stack}: auto-update with rollback against a real registry`, async (t) => {
    const tb = await Testbed.boot({ stack, name: 'update', binds: [REGISTRY_BIN] });
    t.teardown(() => tb.destroy());
    await tb.sh(`podman run --rm ${IMAGE} true`);
    const cli = (args: string, timeout = 180_000) =>
      tb.sh(`${node(stack)} ${CLI} ${args} --state-dir ${STATE_DIR}`, { reject: false, timeout });
    const autoUpdate = async (extra = '') => {
      const r = await cli(`auto-update --json --timeout ${TIMEOUT_S}s ${extra}`);
      let reports: Report[] = [];
      try {
        reports = JSON.parse(r.stdout) as Report[];
      } catch {
        t.fail(`auto-update printed no JSON: ${r.stdout} ${r.stderr}`);
      }
      return {
        exitCode: r.exitCode,
        stderr: r.stderr,
        of: (pod: string) => reports.find((x) => x.pod === pod),
      };
    };
    const version = async (port: number) => (await tb.httpGet(port, '/v.txt')).body.trim();
    const imageOf = async (name: string) =>
      (await tb.sh(`podman container inspect --format '{{.Image}}' ${name}`)).stdout.trim();
    const idOf = async (ref: string) =>
      (await tb.sh(`podman image inspect --format '{{.Id}}' ${ref}`)).stdout.trim();

    // the registry, and the four versions built from busybox
    await startRegistry(tb);
    for (const [v, check] of [
      ['v1', 'test -e /www/v.txt'],
      ['v2', 'test -e /www/v.txt'],
      ['v3', 'false'],
      ['v4', 'test -e /www/v.txt'],
    ] as const) {
      await tb.sh(`mkdir -p /tmp/${v} && printf '%s' '${containerfile(v, check)}' >/tmp/${v}/Containerfile`);
      await tb.sh(`podman build -q --format docker -t localhost/app:${v} /tmp/${v}`, { timeout: 120_000 });
    }
    const publish = (v: string) =>
      tb.sh(`podman push -q --tls-verify=false localhost/app:${v} ${REGISTRY}/app:latest`, {
        timeout: 60_000,
      });
    await tb.waitFor(async () => (await publish('v1').catch(() => undefined))?.exitCode === 0, {
      timeout: 30_000,
      message: 'a push to the registry',
    });
    await tb.sh(
      `mkdir -p ${path.dirname(ARCHIVE)} && podman save -q --format oci-archive -o ${ARCHIVE} localhost/app:v1`,
    );

    await tb.startDaemon(UNITS, ['--state-dir', STATE_DIR, '--update-timeout', `${TIMEOUT_S}s`]);
    await tb.waitForStatus('pod:web', 'running', { timeout: 120_000 });
    await tb.waitForStatus('pod:arc', 'running', { timeout: 120_000 });
    await tb.waitFor(async () => (await version(8080)) === 'v1', { timeout: 60_000, message: 'web on v1' });
    await tb.waitFor(async () => (await version(8081)) === 'v1', { timeout: 60_000, message: 'arc on v1' });

    let r = await autoUpdate('--dry-run');
    t.equal(r.of('web')?.result, 'current', 'dry run: web is up to date');
    t.equal(r.of('arc')?.result, 'current', 'dry run: arc is up to date');
    t.equal(r.exitCode, 0, 'dry run exits 0');

    // a new good image in the registry
    await publish('v2');
    r = await autoUpdate('--dry-run');
    t.equal(r.of('web')?.result, 'pending', 'dry run: web has an update');
    t.equal(await version(8080), 'v1', 'a dry run changes nothing');
    const v2 = await idOf('localhost/app:v2');
    r = await autoUpdate();
    t.equal(r.of('web')?.result, 'updated', `web updated: ${r.of('web')?.message}`);
    t.equal(r.exitCode, 0, 'auto-update exits 0');
    t.equal(await imageOf('web'), v2, 'web runs v2');
    t.equal(await version(8080), 'v2', 'web serves v2');
    t.equal(
      (await tb.sh('podman images -q localhost/finit-pods/previous/web', { reject: false })).stdout.trim(),
      '',
      'the previous image is no longer kept once the update is confirmed',
    );

    // a bad image: rolled back within the timeout
    await publish('v3');
    const started = Date.now();
    r = await autoUpdate();
    const took = (Date.now() - started) / 1000;
    t.equal(r.of('web')?.result, 'rolled back', `web rolled back: ${r.of('web')?.message}`);
    t.ok(
      took < 3 * TIMEOUT_S + 30,
      `rolled back within its timeout (${took.toFixed(1)} s for a ${TIMEOUT_S} s timeout)`,
    );
    t.equal(r.exitCode, 1, 'a rolled-back update exits 1');
    t.equal(await imageOf('web'), v2, 'web runs v2 again');
    await tb.waitFor(async () => (await version(8080)) === 'v2', { timeout: 30_000, message: 'web on v2' });
    const digest = /update to (sha256:[0-9a-f]{64}) failed/.exec(r.of('web')?.message ?? '')?.[1];
    t.ok(digest, 'the report names the failed digest');
    const status = await cli('status --json');
    const webView = (
      JSON.parse(status.stdout) as {
        units: { name: string; update?: { last?: { result: string }; failed?: string[] } }[];
      }
    ).units.find((u) => u.name === 'web');
    t.equal(webView?.update?.last?.result, 'rolled back', 'status --json: the update was rolled back');
    t.ok(digest && webView?.update?.failed?.includes(digest), 'status --json: the failed digest');
    t.match((await cli('status')).stdout, /pod:web: update rolled back/, 'status says so');
    const doctor = await cli('doctor');
    t.match(
      doctor.stdout,
      new RegExp(`pod:web: update rolled back.*${digest ?? 'sha256'}`),
      'doctor says so',
    );
    const before = await tb.containerId('web');
    r = await autoUpdate();
    t.equal(r.of('web')?.result, 'skipped', 'the next run does not try the failed digest again');
    t.match(r.of('web')?.message ?? '', /not tried again until it changes/, 'and says why');
    t.equal(await tb.containerId('web'), before, 'web was not restarted');

    // a new archive on disk: arc follows it (sync alone does not restart it)
    const arcBefore = await tb.containerId('arc');
    await tb.sh(
      `podman save -q --format oci-archive -o ${ARCHIVE}.new localhost/app:v2 && mv ${ARCHIVE}.new ${ARCHIVE}`,
    );
    await cli('sync');
    t.equal(await tb.containerId('arc'), arcBefore, 'a sync leaves a pod that auto-updates on its image');
    r = await autoUpdate();
    t.equal(r.of('arc')?.result, 'updated', `arc updated from the new archive: ${r.of('arc')?.message}`);
    // loaded from the archive: the OCI form of v2 (its own image ID), named as the archive names it
    t.equal(await imageOf('arc'), await idOf('localhost/app:v2'), "arc runs the archive's image");
    t.equal(await version(8081), 'v2', 'arc serves v2');

    // the registry gone: reported, the pod runs on
    await tb.initctl('stop', 'registry');
    r = await autoUpdate();
    t.equal(r.of('web')?.result, 'failed', 'an unreachable registry is a failed check');
    t.match(r.of('web')?.message ?? '', /cannot check/, `and says so: ${r.of('web')?.message}`);
    t.equal(await tb.serviceStatus('pod:web'), 'running', 'the pod runs on');
    await tb.initctl('start', 'registry');
    await tb.waitForStatus('registry', 'running');

    // power cut once v4 is pulled: the pod runs on v2 or v4 after the boot, and the update settles
    await publish('v4');
    const v4 = await idOf('localhost/app:v4');
    const updates = path.join(tb.storageDir, 'finit-pods', 'updates.json');
    const pulled = () => {
      try {
        return (JSON.parse(readFileSync(updates, 'utf8')) as { pending: Record<string, { image?: string }> })
          .pending.web?.image;
      } catch {
        return undefined;
      }
    };
    const running = cli('auto-update --json');
    await tb.waitFor(pulled, { timeout: 120_000, interval: 50, message: 'the new image to be pulled' });
    await tb.powerCut();
    await running.catch(() => undefined);
    await tb.start();
    await tb.waitForStatus('pod:web', 'running', { timeout: 120_000 });
    const after = await tb.waitFor(() => imageOf('web').catch(() => ''), {
      timeout: 60_000,
      message: "web's container after the boot",
    });
    t.ok(after === v2 || after === v4, `after the power cut web runs v2 or v4 (${after.slice(0, 12)})`);
    t.ok(['v2', 'v4'].includes(await version(8080)), 'and serves it');
    const pending = () =>
      Object.keys((JSON.parse(readFileSync(updates, 'utf8')) as { pending: object }).pending).length;
    await tb.waitFor(() => pending() === 0, {
      timeout: 3 * TIMEOUT_S * 1000,
      message: 'the daemon to settle the interrupted update',
    });
    const settled = JSON.parse(readFileSync(updates, 'utf8')) as {
      pending: object;
      last: Record<string, { result: string }>;
    };
    t.same(settled.pending, {}, 'no update is left pending');
    t.equal(settled.last.web?.result, 'updated', 'the daemon confirmed v4 after the boot');
    t.equal(await imageOf('web'), v4, 'web runs v4');
    t.equal(await tb.serviceStatus('finit-pods'), 'running', 'the daemon runs');
  });
}
