#!/usr/bin/env node
// Benchmark: an update to a new image from a registry (Debian's docker-registry on loopback in a
// testbed, bookworm by default), measured side by side in one run, alternating, RUNS times each:
//   - finit-pods: `finit-pods auto-update` of a pod with AutoUpdate=registry run by the daemon
//     under Finit, from the command's start to its end, which is when the pod is healthy on the
//     new image (the registry checked without pulling, the pull, the restart through Finit, its
//     healthcheck passing); and its own figure from the restart to healthy;
//   - podman alone: `podman pull` of the new image, `podman rm -f` of the old container and
//     `podman run -d` of the new one, then `podman healthcheck run` until it passes (every 0.2 s).
// Each side moves between two images (v1, v2: busybox with a passing healthcheck) of a
// repository of its own, so both pull a new image every time.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repo, testbed } from './lib/testbed.mjs';

const stack = process.env.BENCH_STACK ?? 'bookworm';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const NAME = 'bench-update';
const REGISTRY = '127.0.0.1:5000';
const REGISTRY_BIN = '/usr/bin/docker-registry';
const STATE = '/var/lib/containers/finit-pods';
const cli = `${repo}/dist/cli/launch.cjs`;

const tb = testbed(stack, NAME, REGISTRY_BIN);
const sh = (script) => tb('sh', script);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, timeoutMs = 120_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (fn()) return;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

tb('setup');
tb('start');
tb('import-image');
const { node, initctl } = JSON.parse(tb('info'));
const dir = tb('dir').trim();
try {
  sh(
    `mkdir -p /run/registry && printf 'version: 0.1\\nstorage:\\n  filesystem:\\n    rootdirectory: /run/registry\\nhttp:\\n  addr: ${REGISTRY}\\n' >/run/registry.yml`,
  );
  writeFileSync(
    join(dir, 'etc/finit.d/enabled/registry.conf'),
    `service [2345] name:registry ${REGISTRY_BIN} serve /run/registry.yml -- registry\n`,
  );
  tb('initctl', 'reload');
  for (const v of ['v1', 'v2']) {
    sh(
      `mkdir -p /tmp/${v} && printf 'FROM localhost/busybox:latest\\nRUN echo ${v} > /www/v.txt\\nHEALTHCHECK --interval=2s CMD test -e /www/v.txt\\n' >/tmp/${v}/Containerfile && podman build -q --format docker -t localhost/app:${v} /tmp/${v}`,
    );
  }
  const publish = (repoName, v) =>
    sh(`podman push -q --tls-verify=false localhost/app:${v} ${REGISTRY}/${repoName}:latest`);
  await until('the registry', () => {
    publish('app', 'v1');
    return true;
  });
  publish('base', 'v1');

  writeFileSync(
    join(dir, 'cfg/containers/app.image'),
    `[Image]\nImage=${REGISTRY}/app:latest\nTLSVerify=false\n`,
  );
  writeFileSync(
    join(dir, 'cfg/containers/web.container'),
    '[Container]\nImage=app.image\nAutoUpdate=registry\nExec=httpd -f -p 8080 -h /www\nStopTimeout=1\n',
  );
  writeFileSync(
    join(dir, 'etc/finit.d/enabled/finit-pods.conf'),
    `service [2345] name:finit-pods log ${node} ${cli} daemon --state-dir ${STATE} -- finit-pods\n`,
  );
  tb('initctl', 'reload');
  await until('pod:web to run', () => /running/.test(tb('sh', `${initctl} -p -t status | grep pod:web`)));
  sh(
    `podman pull -q --tls-verify=false ${REGISTRY}/base:latest >/dev/null && podman run -d --name base ${REGISTRY}/base:latest httpd -f -p 8081 -h /www >/dev/null`,
  );

  // podman alone, timed inside the sandbox: pull, replace, run, healthy
  const podmanUpdate = `s=$(date +%s%N)
podman pull -q --tls-verify=false ${REGISTRY}/base:latest >/dev/null
podman rm -f -t 1 base >/dev/null
podman run -d --name base ${REGISTRY}/base:latest httpd -f -p 8081 -h /www >/dev/null 2>&1
until podman healthcheck run base >/dev/null 2>&1; do sleep 0.2; done
echo $(( ($(date +%s%N) - s) / 1000000 ))`;
  const ours = [];
  const own = [];
  const theirs = [];
  for (let i = 0; i < RUNS; i++) {
    const v = i % 2 === 0 ? 'v2' : 'v1';
    publish('app', v);
    publish('base', v);
    const t0 = Date.now();
    const out = sh(`${node} ${cli} auto-update --json --state-dir ${STATE}`);
    ours.push(Date.now() - t0);
    const [r] = JSON.parse(out);
    if (r?.result !== 'updated') throw new Error(`auto-update did not update: ${out}`);
    own.push(Number(/after ([\d.]+) s/.exec(r.message)?.[1] ?? Number.NaN) * 1000);
    theirs.push(Number(sh(podmanUpdate).trim()));
  }
  const row = (label, xs) =>
    console.log(`${label.padEnd(58)} ${String(median(xs)).padStart(6)} ms  (runs: ${xs.join(', ')})`);
  console.log(`update to a new image from a registry, ${stack}, median of ${RUNS}:`);
  row('finit-pods auto-update: start → healthy on the new image', ours);
  row('  of which restart through Finit → healthy', own);
  row('podman alone: pull, rm, run -d → healthcheck passes', theirs);
  console.log(`ratio finit-pods / podman alone: ${(median(ours) / median(theirs)).toFixed(2)}`);
} finally {
  tb('destroy');
}
