// [Image] units → `podman image pull` argv (src/model/image.ts): one case per key of IMAGE_KEYS
// with the exact argv, the image reference the unit makes present, and its errors.

import t from 'tap';
import type { OneShotModel } from '../../src/model/commands.js';
import { translateImage } from '../../src/model/image.js';
import { IMAGE_KEYS } from '../../src/model/keys.js';
import { loadUnit, translated } from '../helpers/units.js';

const P = '/usr/bin/podman';

const image = (text: string, file = 'app.image') => translated(translateImage, loadUnit(file, text));

interface Case {
  /** Lines of the [Image] section, after Image=quay.io/x/app:1 unless `bare`. */
  lines: string;
  bare?: boolean;
  /** The arguments between `image pull` and the image. */
  want?: string[];
  argv?: string[];
  errors?: RegExp[];
  warnings?: RegExp[];
  resource?: string;
}

const IMG = 'quay.io/x/app:1';

const CASES: Record<string, Case[]> = {
  Image: [
    { lines: '', argv: [P, 'image', 'pull', IMG], resource: IMG },
    {
      bare: true,
      lines: 'Image="docker.io/library/nginx:1.27"',
      argv: [P, 'image', 'pull', 'docker.io/library/nginx:1.27'],
    },
    { bare: true, lines: 'Arch=arm64', errors: [/^no Image key specified/] },
    { bare: true, lines: 'Image=', errors: [/^no Image key specified/] },
  ],
  ImageTag: [
    { lines: 'ImageTag=localhost/app:pinned', want: [], resource: 'localhost/app:pinned' },
    { lines: 'ImageTag=', want: [], resource: IMG },
  ],
  GlobalArgs: [
    {
      lines: 'GlobalArgs=--log-level=debug "--root=/my root"',
      argv: [P, '--log-level=debug', '--root=/my root', 'image', 'pull', IMG],
    },
  ],
  ContainersConfModule: [
    {
      lines: 'GlobalArgs=--debug\nContainersConfModule=/etc/1.conf\nContainersConfModule=/etc/2.conf',
      argv: [P, '--module=/etc/1.conf', '--module=/etc/2.conf', '--debug', 'image', 'pull', IMG],
    },
  ],
  Arch: [{ lines: 'Arch=aarch64', want: ['--arch', 'aarch64'] }],
  AuthFile: [{ lines: 'AuthFile=/etc/certs/auth.json', want: ['--authfile', '/etc/certs/auth.json'] }],
  CertDir: [{ lines: 'CertDir=/etc/certs', want: ['--cert-dir', '/etc/certs'] }],
  Creds: [{ lines: 'Creds=myname:mypassword', want: ['--creds', 'myname:mypassword'] }],
  DecryptionKey: [
    {
      lines: 'DecryptionKey=/etc/keys/decrypt:passphrase',
      want: ['--decryption-key', '/etc/keys/decrypt:passphrase'],
    },
  ],
  OS: [{ lines: 'OS=windows', want: ['--os', 'windows'] }],
  Policy: [
    { lines: 'Policy=always', want: ['--policy', 'always'] },
    { lines: 'Policy=always\nPolicy=', want: [] },
  ],
  Variant: [{ lines: 'Variant=arm/v5', want: ['--variant', 'arm/v5'] }],
  Retry: [{ lines: 'Retry=5', want: ['--retry', '5'] }],
  RetryDelay: [{ lines: 'RetryDelay=10s', want: ['--retry-delay', '10s'] }],
  AllTags: [
    { lines: 'AllTags=yes', want: ['--all-tags'] },
    { lines: 'AllTags=off', want: ['--all-tags=false'] },
  ],
  TLSVerify: [
    { lines: 'TLSVerify=no', want: ['--tls-verify=false'] },
    {
      lines: 'TLSVerify=maybe',
      want: ['--tls-verify=false'],
      warnings: [/TLSVerify=maybe is not a boolean/],
    },
  ],
  PodmanArgs: [
    { lines: 'PodmanArgs=--quiet "--platform linux/arm64"', want: ['--quiet', '--platform linux/arm64'] },
  ],
  ServiceName: [{ lines: 'ServiceName=basic', want: [], resource: IMG }],
};

t.test('every [Image] key has a case', async (t) => {
  for (const k of IMAGE_KEYS.keys()) t.ok(CASES[k]?.length, `[Image] ${k}`);
  for (const k of Object.keys(CASES)) t.ok(IMAGE_KEYS.has(k), `${k} is an [Image] key`);
});

for (const [key, cases] of Object.entries(CASES)) {
  t.test(`[Image] ${key}`, async (t) => {
    for (const c of cases) {
      const r = image(`[Image]\n${c.bare ? '' : `Image=${IMG}\n`}${c.lines}\n`);
      const label = c.lines.replace(/\n/g, ' | ') || '(no key)';
      t.same(
        r.errors.map((d) => d.message).length,
        c.errors?.length ?? 0,
        `${label}: errors ${r.errors.map((d) => d.message).join('; ')}`,
      );
      for (const [i, re] of (c.errors ?? []).entries()) t.match(r.errors[i]?.message, re);
      t.equal(
        r.warnings.length,
        c.warnings?.length ?? 0,
        `${label}: warnings ${r.warnings.map((d) => d.message).join('; ')}`,
      );
      for (const [i, re] of (c.warnings ?? []).entries()) t.match(r.warnings[i]?.message, re);
      if (c.want) t.same(r.argv, [P, 'image', 'pull', ...c.want, IMG], `${label}: argv`);
      if (c.argv) t.same(r.argv, c.argv, `${label}: argv`);
      if (c.resource) t.equal(r.model?.resource, c.resource, `${label}: resource`);
    }
  });
}

t.test('arguments follow the table: flags, booleans, PodmanArgs=, the image last', async (t) => {
  const r = image(`[Image]
PodmanArgs=--last
TLSVerify=false
AllTags=true
RetryDelay=1s
Arch=arm64
Image=${IMG}
`);
  t.same(r.argv, [
    P,
    'image',
    'pull',
    '--arch',
    'arm64',
    '--retry-delay',
    '1s',
    '--all-tags',
    '--tls-verify=false',
    '--last',
    IMG,
  ]);
  t.same(r.model as OneShotModel, {
    kind: 'image',
    name: r.model!.name,
    resource: IMG,
    commands: { argv: r.argv },
    needs: [],
    sources: ['/units/app.image'],
  });
});

t.test('errors name the file and line; systemd keys are warned about', async (t) => {
  const r = image(
    '[Unit]\nDescription=x\nAfter=net.network\n\n[Image]\nArhc=arm64\n[Service]\nDynamicUser=yes\n',
  );
  t.same(
    r.errors.map((d) => [d.file, d.line, d.message]),
    [
      ['/units/app.image', 6, 'unsupported key Arhc= in [Image] (did you mean Arch=?)'],
      ['/units/app.image', 5, 'no Image key specified: name the image to pull, e.g. Image=quay.io/org/app:1'],
    ],
  );
  t.same(
    r.warnings.map((d) => [d.line, d.message]),
    [
      [3, 'After= in [Unit] has no effect on an image unit under finit-pods'],
      [8, 'DynamicUser= in [Service] has no effect on an image unit under finit-pods'],
    ],
  );
});
