// containers/storage's records read directly (src/apply/storage.ts): which storage.conf settings
// are understood, which make it step aside, and the records themselves. The same reading is
// checked against the real podman of both stacks in test/testbed/boot.test.ts.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { imagePresent } from '../../src/apply/podman.js';
import { hostStorage, parseStorageConf, type Storage, storageAt } from '../../src/apply/storage.js';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'finit-pods-storage-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Debian's /usr/share/containers/storage.conf, shortened: comments, tables, arrays over lines. */
const DEBIAN_CONF = `# This file is the configuration file for all tools
[storage]

# Default Storage Driver, Must be set for proper operation.
driver = "overlay"

# Temporary storage location
runroot = "/run/containers/storage"

# Primary Read/Write location of container storage
graphroot = "/var/lib/containers/storage"

[storage.options]
# Storage options to be passed to underlying storage drivers

# AdditionalImageStores is used to pass paths to additional Read/Only image stores
additionalimagestores = [
]

pull_options = {enable_partial_images = "false", use_hard_links = "false"}

[storage.options.overlay]
mountopt = "nodev"
`;

t.test('parseStorageConf: the settings that say where the records are', async (t) => {
  t.same(parseStorageConf(DEBIAN_CONF), {
    driver: 'overlay',
    graphroot: '/var/lib/containers/storage',
    unsupported: '',
  });
  t.same(parseStorageConf(''), { driver: '', graphroot: '', unsupported: '' }, 'empty: defaults');
  t.equal(
    parseStorageConf("[storage]\ngraphroot = '/data/podman' # on the data partition\n").graphroot,
    '/data/podman',
    'a literal string, a trailing comment',
  );
  t.equal(
    parseStorageConf('[storage.options.overlay]\ndriver = "vfs"\n').driver,
    '',
    "a key of another table is not [storage]'s",
  );
  t.equal(
    parseStorageConf('[storage.options]\nadditionalimagestores = [\n  "/usr/lib/containers/storage",\n]\n')
      .unsupported,
    'additionalimagestores',
    'additional image stores: podman sees images these records do not have',
  );
  t.equal(
    parseStorageConf('[storage.options]\nadditionalimagestores = [ ]\n').unsupported,
    '',
    'an empty list is fine',
  );
  t.equal(parseStorageConf('[storage]\ntransient_store = true\n').unsupported, 'transient_store = true');
  t.equal(parseStorageConf('[storage]\ntransient_store = false\n').unsupported, '');
  t.equal(parseStorageConf('[storage]\nimagestore = "/img"\n').unsupported, 'imagestore = "/img"');
});

t.test('hostStorage: where podman keeps its records, or why they are not read', async (t) => {
  const d = tempDir(t);
  const etc = join(d, 'etc.conf');
  const usr = join(d, 'usr.conf');
  const graph = join(d, 'graph');
  writeFileSync(usr, `[storage]\ndriver = "overlay"\ngraphroot = "${graph}"\n`);

  const s = hostStorage({ env: {}, confFiles: [etc, usr] });
  t.equal((s as Storage).root, graph, 'the first config file that exists: the second here');

  writeFileSync(etc, `[storage]\ndriver = "vfs"\ngraphroot = "${join(d, 'other')}"\n`);
  t.equal((hostStorage({ env: {}, confFiles: [etc, usr] }) as Storage).root, join(d, 'other'), '/etc wins');
  rmSync(etc);

  t.match(
    hostStorage({ env: { CONTAINERS_STORAGE_CONF: '/x' }, confFiles: [etc, usr] }),
    { unsupported: /CONTAINERS_STORAGE_CONF/ },
    'another config file named by the environment: podman is asked',
  );
  mkdirSync(`${usr}.d`);
  t.match(
    hostStorage({ env: {}, confFiles: [etc, usr] }),
    { unsupported: /usr\.conf\.d exists/ },
    'drop-ins',
  );
  rmSync(`${usr}.d`, { recursive: true });

  // no driver configured: the one DRIVER-containers directory in the graph root says it
  writeFileSync(usr, `[storage]\ngraphroot = "${graph}"\n`);
  t.match(hostStorage({ env: {}, confFiles: [etc, usr] }), { unsupported: /cannot tell the storage driver/ });
  mkdirSync(join(graph, 'btrfs-containers'), { recursive: true });
  writeFileSync(
    join(graph, 'btrfs-containers', 'containers.json'),
    JSON.stringify([{ id: 'a'.repeat(64), names: ['web'] }]),
  );
  const found = hostStorage({ env: {}, confFiles: [etc, usr] }) as Storage;
  t.same(found.containers(), [{ id: 'a'.repeat(64), names: ['web'] }], 'found by its directory');
  t.same(
    (hostStorage({ env: { STORAGE_DRIVER: 'vfs' }, confFiles: [etc, usr] }) as Storage).containers(),
    undefined,
    'STORAGE_DRIVER chooses another driver (whose records are not there)',
  );
  mkdirSync(join(graph, 'overlay-containers'));
  t.match(
    hostStorage({ env: {}, confFiles: [etc, usr] }),
    { unsupported: /cannot tell the storage driver/ },
    "two drivers' directories: cannot tell",
  );
});

t.test('storageAt: containers and images as podman lists them', async (t) => {
  const d = tempDir(t);
  const graph = join(d, 'graph');
  const s = storageAt(graph, 'overlay');
  t.equal(s.containers(), undefined, 'no store at all: cannot tell');
  t.equal(s.images(), undefined);

  mkdirSync(join(graph, 'overlay-containers'), { recursive: true });
  mkdirSync(join(graph, 'overlay-images'), { recursive: true });
  t.same(s.containers(), [], 'a store without containers.json: none yet');
  t.same(s.images(), { names: new Set(), ids: new Set() });

  // records as Podman 4.3 and 5.4 write them (shortened)
  const ctrs = [
    {
      id: 'c1'.padEnd(64, '0'),
      names: ['web'],
      image: 'a1'.padEnd(64, '0'),
      layer: 'l1',
      metadata: '{"image-name":"localhost/busybox:latest","name":"web"}',
      created: '2026-11-29T21:35:51.427665129Z',
      flags: { MountLabel: '', ProcessLabel: '' },
    },
    { id: 'c2'.padEnd(64, '0'), names: ['loner', 'alias'], image: '', layer: 'l2' },
    { id: 'c3'.padEnd(64, '0'), layer: 'l3' },
  ];
  writeFileSync(join(graph, 'overlay-containers', 'containers.json'), JSON.stringify(ctrs));
  writeFileSync(
    join(graph, 'overlay-containers', 'volatile-containers.json'),
    JSON.stringify([{ id: 'c4'.padEnd(64, '0'), names: ['tmp'] }]),
  );
  t.same(
    s.containers(),
    [
      { id: 'c1'.padEnd(64, '0'), names: ['web'] },
      { id: 'c2'.padEnd(64, '0'), names: ['loner', 'alias'] },
      { id: 'c3'.padEnd(64, '0'), names: [] },
      { id: 'c4'.padEnd(64, '0'), names: ['tmp'] },
    ],
    'durable and volatile (--rm) records',
  );

  const digest = `sha256:${'d'.repeat(64)}`;
  const other = `sha256:${'e'.repeat(64)}`;
  writeFileSync(
    join(graph, 'overlay-images', 'images.json'),
    JSON.stringify([
      {
        id: 'a1'.padEnd(64, '0'),
        digest,
        names: ['localhost/busybox:latest'],
        'names-history': ['localhost/busybox:latest'],
        layer: 'x',
      },
      {
        id: 'b2'.padEnd(64, '0'),
        digest: other,
        digests: [other, digest],
        names: ['docker.io/library/nginx:1.27'],
      },
      { id: 'e3'.padEnd(64, '0') },
    ]),
  );
  const images = s.images()!;
  t.same(
    [...images.names].sort(),
    [
      `docker.io/library/nginx@${digest}`,
      `docker.io/library/nginx@${other}`,
      'docker.io/library/nginx:1.27',
      `localhost/busybox@${digest}`,
      'localhost/busybox:latest',
    ].sort(),
    'names and, as podman images gives RepoDigests, each repository @ each digest',
  );
  t.same(
    [...images.ids],
    ['a1', 'b2', 'e3'].map((i) => i.padEnd(64, '0')),
  );
  t.ok(imagePresent('busybox', images), 'a short name matches, as with podman images');
  t.ok(imagePresent(`docker.io/library/nginx:1.27@${digest}`, images), 'tag and digest');
  t.ok(imagePresent('b20000000000', images), 'an ID prefix');
  t.notOk(imagePresent('docker.io/library/redis:7', images));

  writeFileSync(join(graph, 'overlay-containers', 'containers.json'), '[{"id": "c1", "nam');
  t.equal(s.containers(), undefined, 'a file it cannot parse: cannot tell');
  writeFileSync(join(graph, 'overlay-containers', 'containers.json'), '{"id": "c1"}');
  t.equal(s.containers(), undefined, 'not a list: cannot tell');
  writeFileSync(join(graph, 'overlay-containers', 'containers.json'), '[{"names": ["x"]}]');
  t.equal(s.containers(), undefined, 'a record without an ID: cannot tell');
});
