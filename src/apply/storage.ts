// Podman's containers and images as containers/storage records them on disk
// (GRAPHROOT/DRIVER-containers/containers.json, GRAPHROOT/DRIVER-images/images.json), read
// without starting podman. Boot recovery asks two questions after its first podman call: does
// any container still hold a pod's name, and which images are here? Two podman processes would
// answer them on the path every pod waits for; these files answer without starting one.
// Only for the layout podman uses unless told otherwise: a storage.conf this does not fully
// understand (another config file, drop-ins, additional or separate image stores, a transient
// store, an undetectable driver) gives no Storage, and the caller asks podman instead. The files
// are replaced atomically by containers/storage (write and rename), so a read never sees half.
// Every podman container has a record here, one made with --rootfs too (Podman 4.3 and 5.4,
// checked in the testbed), and so do storage-only ("ghost") containers.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalImages } from './podman.js';

export interface StoredContainer {
  id: string;
  names: string[];
}

/** Read access to containers/storage's records; undefined from a method: ask podman. */
export interface Storage {
  /** Where the records are (for messages). */
  readonly root: string;
  containers(): StoredContainer[] | undefined;
  images(): LocalImages | undefined;
}

const DEFAULT_GRAPHROOT = '/var/lib/containers/storage';

/** The settings of a storage.conf that decide where the records are. */
export interface StorageConf {
  driver: string;
  graphroot: string;
  /** Why these files cannot be trusted to hold everything podman sees ('' when they can). */
  unsupported: string;
}

/**
 * Reads the few storage.conf settings that matter here from its TOML: `driver`, `graphroot`,
 * `transient_store` and `imagestore` in [storage], `additionalimagestores` in
 * [storage.options]. A key's value is a basic string, a boolean or an array.
 */
export function parseStorageConf(text: string): StorageConf {
  const conf: StorageConf = { driver: '', graphroot: '', unsupported: '' };
  let table = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/^\s+|\s+$/g, '');
    if (line === '' || line.startsWith('#')) continue;
    const header = line.match(/^\[\s*([A-Za-z0-9_.-]+)\s*\]/);
    if (header) {
      table = header[1]!;
      continue;
    }
    const kv = line.match(/^([A-Za-z0-9_-]+)\s*=\s*(.*)$/);
    if (!kv) continue;
    const key = kv[1]!;
    let value = kv[2]!;
    // an array may go on over several lines
    if (value.startsWith('['))
      while (!/\]\s*(#.*)?$/.test(value) && i + 1 < lines.length) value += lines[++i];
    const str = value.match(/^"((?:[^"\\]|\\.)*)"|^'([^']*)'/);
    const s = str ? (str[1] ?? str[2] ?? '') : '';
    if (table === 'storage') {
      if (key === 'driver') conf.driver = s;
      else if (key === 'graphroot') conf.graphroot = s;
      else if (key === 'transient_store' && value.startsWith('true'))
        conf.unsupported = 'transient_store = true';
      else if (key === 'imagestore' && s !== '') conf.unsupported = `imagestore = "${s}"`;
    } else if (table === 'storage.options' && key === 'additionalimagestores' && /["']/.test(value)) {
      conf.unsupported = 'additionalimagestores';
    }
  }
  return conf;
}

export interface StorageEnv {
  env?: NodeJS.ProcessEnv;
  /** The configuration files, in containers/storage's order of preference. */
  confFiles?: readonly string[];
}

const CONF_FILES = ['/etc/containers/storage.conf', '/usr/share/containers/storage.conf'];

/**
 * The storage of the system's podman (run as root, with its usual configuration), or why its
 * records cannot be read directly.
 */
export function hostStorage(opts: StorageEnv = {}): Storage | { unsupported: string } {
  const env = opts.env ?? process.env;
  const files = opts.confFiles ?? CONF_FILES;
  if (env.CONTAINERS_STORAGE_CONF) return { unsupported: 'CONTAINERS_STORAGE_CONF is set' };
  for (const f of files) if (existsSync(`${f}.d`)) return { unsupported: `${f}.d exists` };
  const file = files.find((f) => existsSync(f));
  let conf: StorageConf = { driver: '', graphroot: '', unsupported: '' };
  if (file) {
    try {
      conf = parseStorageConf(readFileSync(file, 'utf8'));
    } catch (e) {
      return { unsupported: `${file}: ${(e as Error).message}` };
    }
    if (conf.unsupported) return { unsupported: `${file}: ${conf.unsupported}` };
  }
  const graphroot = conf.graphroot || DEFAULT_GRAPHROOT;
  let driver = env.STORAGE_DRIVER || conf.driver;
  if (!driver) {
    // chosen by podman when the store was first made: the one DRIVER-containers directory
    let found: string[] = [];
    try {
      found = readdirSync(graphroot).filter((n) => n.endsWith('-containers'));
    } catch {
      // no store yet
    }
    if (found.length !== 1) return { unsupported: `cannot tell the storage driver in ${graphroot}` };
    driver = found[0]!.slice(0, -'-containers'.length);
  }
  return storageAt(graphroot, driver);
}

/** JSON records of one containers/storage file; undefined when its directory is not there. */
function records(dir: string, file: string): Record<string, unknown>[] | undefined {
  if (!existsSync(dir)) return undefined;
  let text: string;
  try {
    text = readFileSync(join(dir, file), 'utf8');
  } catch (e) {
    // written at the first change: no file, no records
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    return undefined;
  }
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? (v as Record<string, unknown>[]) : undefined;
  } catch {
    return undefined;
  }
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/**
 * The records of a store at GRAPHROOT with DRIVER. Containers made with --rm (every pod's) are
 * "volatile": kept in volatile-containers.json beside containers.json, written without fsync
 * (Podman 5; 4.3 keeps them with the others); in a transient store both are under the run root,
 * which hostStorage does not read.
 */
export function storageAt(graphroot: string, driver: string): Storage {
  const containersDir = join(graphroot, `${driver}-containers`);
  const imagesDir = join(graphroot, `${driver}-images`);
  return {
    root: graphroot,
    containers() {
      const durable = records(containersDir, 'containers.json');
      if (!durable) return undefined;
      const volatile = records(containersDir, 'volatile-containers.json');
      if (!volatile) return undefined;
      const out: StoredContainer[] = [];
      for (const r of [...durable, ...volatile]) {
        if (typeof r.id !== 'string') return undefined;
        out.push({ id: r.id, names: strings(r.names) });
      }
      return out;
    },
    images() {
      const rows = records(imagesDir, 'images.json');
      if (!rows) return undefined;
      const names = new Set<string>();
      const ids = new Set<string>();
      for (const r of rows) {
        if (typeof r.id !== 'string') return undefined;
        ids.add(r.id);
        const digests = strings(r.digests);
        if (typeof r.digest === 'string' && !digests.includes(r.digest)) digests.push(r.digest);
        for (const n of strings(r.names)) {
          names.add(n);
          // what `podman images` lists as RepoDigests: each name's repository @ each digest
          const repo = repository(n);
          for (const d of digests) names.add(`${repo}@${d}`);
        }
      }
      return { names, ids };
    },
  };
}

/** `registry/repo:tag` or `registry/repo@sha256:…` → `registry/repo`. */
function repository(name: string): string {
  const at = name.indexOf('@');
  const base = at < 0 ? name : name.slice(0, at);
  const colon = base.lastIndexOf(':');
  return colon > base.lastIndexOf('/') ? base.slice(0, colon) : base;
}
