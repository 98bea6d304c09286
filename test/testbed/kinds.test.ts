// Every Quadlet unit kind on the real stacks (FINIT_PODS_STACKS), applied by the finit-pods daemon
// running as a Finit service, as on a device (issue 16's "done when"):
//  - a .pod with two member containers runs as podman-pod:NAME and answers on the pod's port;
//  - a container with Image=NAME.image starts once the image unit has pulled its image from a
//    real registry (Debian's docker-registry on loopback);
//  - a .build builds from a Containerfile in the units directory and its container runs;
//  - a .kube with two containers runs as kube:NAME and is torn down when its file is removed;
//  - a power cut brings all of them back, with the registry gone: nothing is pulled again.
// Needs a build (dist/) and docker-registry (tools/setup.sh installs it).
import { existsSync } from 'node:fs';
import t from 'tap';
import { needRegistry, REGISTRY, REGISTRY_BIN, startRegistry } from '../helpers/registry.js';
import { CLI, IMAGE, podmanMajor, stacksFromEnv, Testbed } from '../helpers/testbed.js';

if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);
needRegistry();

const UNITS: Record<string, string> = {
  // a pod publishing one port; its members listen inside it
  'shop.pod': '[Pod]\nPublishPort=8090:8080\n',
  'front.container': `[Container]\nImage=${IMAGE}\nPod=shop.pod\nExec=httpd -f -p 8080 -h /www\nStopTimeout=1\n`,
  'side.container': `[Container]\nImage=${IMAGE}\nPod=shop.pod\nExec=sleep 100000\nStopTimeout=1\n`,
  // an image from the registry, and a container that uses it
  'bb.image': `[Image]\nImage=${REGISTRY}/bb:v1\nTLSVerify=false\n`,
  'pulled.container':
    '[Container]\nImage=bb.image\nExec=httpd -f -p 8091 -h /www\nPublishPort=8091:8091\nStopTimeout=1\n',
  // a build from a Containerfile beside the units, and its container
  'app.build': '[Build]\nImageTag=localhost/app:1\nSetWorkingDirectory=unit\nFile=app/Containerfile\n',
  'app/Containerfile': `FROM ${IMAGE}\nRUN mkdir -p /srv && echo built-by-finit-pods > /srv/index.html\nCMD ["httpd", "-f", "-p", "8092", "-h", "/srv"]\n`,
  'app.container': '[Container]\nImage=app.build\nPublishPort=8092:8092\nStopTimeout=1\n',
  // a kube YAML with two containers
  'demo.kube': '[Kube]\nYaml=demo.yml\n',
  'demo.yml': `apiVersion: v1
kind: Pod
metadata:
  name: demo
spec:
  containers:
  - name: web
    image: ${IMAGE}
    command: ["httpd", "-f", "-p", "8093", "-h", "/www"]
    ports:
    - containerPort: 8093
      hostPort: 8093
  - name: idle
    image: ${IMAGE}
    command: ["sleep", "100000"]
`,
  // a oneshot .kube: a job that runs to its end, once; Finit must not play it again
  'job.kube': '[Kube]\nYaml=job.yml\n\n[Service]\nType=oneshot\n',
  'job.yml': `apiVersion: v1
kind: Pod
metadata:
  name: job
spec:
  restartPolicy: Never
  containers:
  - name: once
    image: ${IMAGE}
    command: ["sh", "-c", "echo job done"]
`,
};

const HELLO = '<h1>hello from busybox</h1>';

t.jobs = 2;
for (const stack of stacksFromEnv()) {
  t.test(`${stack}: .pod, .image, .build and .kube units under Finit`, async (t) => {
    const tb = await Testbed.boot({ stack, name: 'kinds', binds: [REGISTRY_BIN] });
    t.teardown(() => tb.destroy());
    // the busybox image pages live in /www
    await tb.sh(`podman run --rm ${IMAGE} true`);

    // a real registry on loopback, holding busybox as bb:v1; the local copy is removed
    await startRegistry(tb);
    await tb.waitFor(
      async () =>
        (await tb.sh(`podman push -q --tls-verify=false ${IMAGE} ${REGISTRY}/bb:v1`, { reject: false }))
          .exitCode === 0,
      { timeout: 30_000, message: 'a push to the registry' },
    );
    t.equal((await tb.sh(`podman images -q ${REGISTRY}/bb:v1`)).stdout.trim(), '', 'bb:v1 is not local');

    // an OCI artifact in the registry (Podman 5 has artifacts; Podman 4.3 does not)
    const artifacts = podmanMajor(tb.info) >= 5;
    if (artifacts)
      await tb.sh(
        `podman artifact add ${REGISTRY}/files:1 /etc/hostname >/dev/null && podman artifact push --tls-verify=false ${REGISTRY}/files:1 && podman artifact rm ${REGISTRY}/files:1 >/dev/null`,
        { timeout: 60_000 },
      );

    await tb.sh('mkdir -p /cfg/containers/app');
    await tb.startDaemon({
      ...UNITS,
      'files.artifact': `[Artifact]\nArtifact=${REGISTRY}/files:1\nTLSVerify=false\n`,
    });

    const up = async (label: string) => {
      for (const id of ['podman-pod:shop', 'pod:front', 'pod:side', 'pod:pulled', 'pod:app', 'kube:demo'])
        await tb.waitForStatus(id, 'running', { timeout: 240_000 });
      t.ok(await tb.waitHttp(8090, '/', HELLO), `${label}: the pod answers on its published port`);
      t.ok(await tb.waitHttp(8091, '/', HELLO), `${label}: the pulled image's container serves`);
      t.ok(
        await tb.waitHttp(8092, '/', 'built-by-finit-pods'),
        `${label}: the built image's container serves`,
      );
      t.ok(await tb.waitHttp(8093, '/', HELLO), `${label}: the kube YAML's container serves`);
      // members start once the pod is created: none joined a pod that create --replace then removed
      for (const id of ['podman-pod:shop', 'pod:front', 'pod:side'])
        t.equal(await tb.restarts(id), 0, `${label}: ${id} started once`);
      const members = (await tb.sh(`podman ps --filter pod=shop --format '{{.Names}}'`)).stdout;
      t.match(members, /front/, `${label}: front runs in pod shop`);
      t.match(members, /side/, `${label}: side runs in pod shop`);
      const kube = (await tb.sh(`podman ps --filter pod=demo --format '{{.Names}}'`)).stdout;
      t.match(kube, /demo-web/, `${label}: the kube's web container runs`);
      t.match(kube, /demo-idle/, `${label}: the kube's second container runs`);
      // the oneshot job ran to its end, once, and its service stays up until it is stopped
      await tb.waitForStatus('kube:job', 'running', { timeout: 60_000 });
      await tb.waitFor(
        async () =>
          (await tb.sh(`podman ps -a --filter name=^job-once$ --format '{{.Status}}'`)).stdout.startsWith(
            'Exited (0)',
          ),
        { timeout: 60_000, message: 'the job to end' },
      );
      t.equal(await tb.restarts('kube:job'), 0, `${label}: the oneshot job was played once`);
    };
    await up('first start');
    t.not((await tb.sh(`podman images -q ${REGISTRY}/bb:v1`)).stdout.trim(), '', 'bb:v1 was pulled');
    const built = (await tb.sh('podman images -q localhost/app:1')).stdout.trim();
    t.not(built, '', 'app.build built localhost/app:1');
    if (artifacts) {
      await tb.waitFor(
        async () =>
          (await tb.sh('podman artifact ls --format "{{.Repository}}"', { reject: false })).stdout.includes(
            'files',
          ),
        { timeout: 60_000, message: 'the artifact to be pulled' },
      );
      t.pass('files.artifact pulled the artifact');
    } else {
      const status = await tb.exec(['node', CLI, 'status'], { reject: false, timeout: 60_000 });
      t.match(
        status.stdout,
        /files\.artifact.*no OCI artifacts/,
        'status: this podman has no artifacts, naming the unit',
      );
      t.equal(await tb.serviceStatus('finit-pods'), 'running', 'the daemon runs on');
    }

    // a restart of the pod restarts its members
    const before = (await tb.sh(`podman inspect --format '{{.Id}}' front`)).stdout.trim();
    await tb.initctl('restart', 'podman-pod:shop');
    await tb.waitFor(
      async () => {
        const id = (await tb.sh(`podman inspect --format '{{.Id}}' front`, { reject: false })).stdout.trim();
        return id !== '' && id !== before && (await tb.serviceStatus('pod:front')) === 'running';
      },
      { timeout: 90_000, message: 'front to run again in a new container after the pod restarted' },
    );
    t.ok(await tb.waitHttp(8090, '/', HELLO), 'the pod answers again after its restart');

    // power cut, with the registry gone: everything comes back, nothing is pulled
    await tb.removeStanza('enabled/registry.conf');
    await tb.powerCut();
    await tb.start();
    await up('after a power cut');
    t.equal((await tb.sh('podman images -q localhost/app:1')).stdout.trim(), built, 'not built again');

    // the .kube's file removed: kube down tears its pods down
    await tb.removeUnit('demo.kube');
    await tb.waitFor(async () => (await tb.serviceStatus('kube:demo')) === undefined, {
      timeout: 60_000,
      message: 'kube:demo to leave Finit',
    });
    await tb.waitFor(
      async () => (await tb.sh(`podman pod ps -q --filter name=^demo$`)).stdout.trim() === '',
      { timeout: 60_000, message: "the kube's pod to be removed" },
    );
    t.pass("the .kube's pods are gone with its file");
    await tb.removeUnit('job.kube');
    await tb.waitFor(
      async () =>
        (await tb.serviceStatus('kube:job')) === undefined &&
        (await tb.sh(`podman pod ps -q --filter name=^job$`)).stdout.trim() === '',
      { timeout: 60_000, message: "the oneshot job's service and pod to go with its file" },
    );
    t.pass("the oneshot .kube's pod is gone with its file (kube down)");
    t.equal(await tb.serviceStatus('pod:front'), 'running', 'the other pods run on');
  });
}
