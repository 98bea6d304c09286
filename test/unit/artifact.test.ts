// [Artifact] → `podman artifact pull … ARTIFACT` (src/model/artifact.ts): one table row per key of
// ARTIFACT_KEYS with the exact argv it must produce, and what a container resolves it to.

import t from 'tap';
import { translateArtifact } from '../../src/model/artifact.js';
import { translateContainer } from '../../src/model/container.js';
import { buildIndex } from '../../src/model/index.js';
import { ARTIFACT_KEYS } from '../../src/model/keys.js';
import { expectDiagnostics, loadUnit, translated } from '../helpers/units.js';

const P = '/usr/bin/podman';
const REF = 'quay.io/libpod/testartifact:20250206-single';

const render = (text: string) => translated(translateArtifact, loadUnit('data.artifact', text));

interface Case {
  lines: string;
  /** The arguments between `pull` and the artifact. */
  want?: string[];
  argv?: string[];
  errors?: RegExp[];
  warnings?: RegExp[];
}

/** Every [Artifact] key: at least one case each (after Artifact=REF unless the case sets it). */
const CASES: Record<string, Case[]> = {
  Artifact: [
    { lines: '', argv: [P, 'artifact', 'pull', REF] },
    { lines: 'Artifact=', errors: [/no Artifact= key in \[Artifact\]/] },
  ],
  ServiceName: [{ lines: 'ServiceName=pull\nAuthFile=/run/%N.json', want: ['--authfile', '/run/pull.json'] }],
  GlobalArgs: [
    {
      lines: 'GlobalArgs=--log-level=debug',
      argv: [P, '--log-level=debug', 'artifact', 'pull', REF],
    },
  ],
  ContainersConfModule: [
    {
      lines: 'ContainersConfModule=/etc/m.conf\nGlobalArgs=--debug',
      argv: [P, '--module=/etc/m.conf', '--debug', 'artifact', 'pull', REF],
    },
  ],
  AuthFile: [{ lines: 'AuthFile=/tmp/auth.json', want: ['--authfile', '/tmp/auth.json'] }],
  CertDir: [{ lines: 'CertDir=/tmp/certs', want: ['--cert-dir', '/tmp/certs'] }],
  Creds: [{ lines: 'Creds=user:pass', want: ['--creds', 'user:pass'] }],
  DecryptionKey: [{ lines: 'DecryptionKey=/k.pem:pw', want: ['--decryption-key', '/k.pem:pw'] }],
  Retry: [{ lines: 'Retry=3', want: ['--retry', '3'] }],
  RetryDelay: [{ lines: 'RetryDelay=10s', want: ['--retry-delay', '10s'] }],
  Quiet: [
    { lines: 'Quiet=true', want: ['--quiet'] },
    { lines: 'Quiet=maybe', want: ['--quiet=false'], warnings: [/not a boolean/] },
  ],
  TLSVerify: [{ lines: 'TLSVerify=false', want: ['--tls-verify=false'] }],
  PodmanArgs: [{ lines: 'PodmanArgs=--arch arm64', want: ['--arch', 'arm64'] }],
};

t.test('every key of ARTIFACT_KEYS has a case here', async (t) => {
  for (const key of ARTIFACT_KEYS.keys()) t.ok(CASES[key]?.length, `${key} has a test case`);
  for (const key of Object.keys(CASES)) t.ok(ARTIFACT_KEYS.has(key), `${key} is an [Artifact] key`);
});

for (const [key, cases] of Object.entries(CASES)) {
  t.test(key, async (t) => {
    for (const c of cases) {
      const r = render(`[Artifact]\nArtifact=${REF}\n${c.lines}\n`);
      const label = c.lines.replace(/\n/g, ' | ') || '(no key)';
      expectDiagnostics(t, r, c, label);
      if (c.want) t.same(r.argv, [P, 'artifact', 'pull', ...c.want, REF], `${label}: argv`);
      if (c.argv) t.same(r.argv, c.argv, `${label}: argv`);
      if (c.errors?.length) t.equal(r.model, undefined, `${label}: no model`);
    }
  });
}

t.test('the order of arguments follows Quadlet: flags, PodmanArgs=, the artifact', async (t) => {
  const r = render(
    `[Artifact]\nPodmanArgs=--last\nTLSVerify=true\nQuiet=false\nRetry=2\nCreds=u:p\nArtifact=${REF}\n`,
  );
  t.same(r.argv, [
    P,
    'artifact',
    'pull',
    '--creds',
    'u:p',
    '--retry',
    '2',
    '--quiet=false',
    '--tls-verify',
    '--last',
    REF,
  ]);
  t.same(r.model?.commands, { argv: r.argv });
  t.equal(r.model?.resource, REF);
});

t.test('unknown keys; systemd sections have no effect', async (t) => {
  const r = render(`[Artifact]\nArtifact=${REF}\nArtefact=x\n[Service]\nRestart=always\n`);
  t.match(r.errors, [
    { line: 3, message: /unsupported key Artefact= in \[Artifact\] \(did you mean Artifact=\?\)/ },
  ]);
  t.match(r.warnings, [{ line: 5, message: /Restart= in \[Service\] has no effect/ }]);
  t.match(render('[Unit]\nDescription=x\n').errors, [{ line: 0, message: /no Artifact= key/ }]);
});

t.test('a container mounts the artifact by its reference', async (t) => {
  const art = loadUnit('data.artifact', `[Artifact]\nArtifact=${REF}\n`);
  const ctr = loadUnit('app.container', '[Container]\nImage=img\nVolume=data.artifact:/data\n');
  const c = translateContainer(ctr, { index: buildIndex([art, ctr]), exists: () => false });
  t.ok(c.model?.runArgs.join(' ').includes(`-v ${REF}:/data`));
  t.same(c.model?.needs, ['data.artifact']);
});
