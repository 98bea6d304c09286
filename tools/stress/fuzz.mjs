#!/usr/bin/env node

// Fuzz (issue 14): generated and mutated unit files of every Quadlet kind, with drop-ins and
// templates, translated in batches by the built modules (dist/). Every invariant a user relies on
// when a file is broken is checked: nothing throws or hangs, a rejected unit names its FILE (and
// LINE), bad bytes and oversized files are rejected, one bad unit never changes another, the same
// input gives the same output (twice, through check's path, through the command, through sync).
//
//   FUZZ_CASES=100000 FUZZ_SEED=1 node tools/stress/fuzz.mjs     (FUZZ_JSON=1: a JSON summary line)
//
// Batches run in worker processes under a watchdog, so a hang is caught and its directory kept.
// Reproducers go to /tmp/fuzz-crashes/. Exit status 1 when any target is missed. Batches are
// written under os.tmpdir(): TMPDIR=/dev/shm keeps the disk out of the figure.

import { isUtf8 } from 'node:buffer';
import { fork, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = join(ROOT, 'dist');
const CASES_DIR = process.env.FUZZ_QUADLET_CASES ?? resolve(ROOT, '../shared/quadlet-cases');
const CRASH_DIR = process.env.FUZZ_CRASH_DIR ?? '/tmp/fuzz-crashes';
const BATCH = 500;
/** Every tenth batch is larger, and goes through the command too. */
const BIG_BATCH = 700;
const PHASE_TIMEOUT_MS = Number(process.env.FUZZ_TIMEOUT_MS ?? 60_000);
/** A unit file larger than this must be rejected (issue 14). */
const MAX_UNIT_BYTES = 64 * 1024;
const KINDS = ['container', 'network', 'volume', 'pod', 'kube', 'image', 'build', 'artifact'];
/** How many examples of each kind of failure are kept with full details. */
const KEEP_EXAMPLES = 8;

// ------------------------------------------------------------------ seeded randomness

/** mulberry32: small, fast, and the same sequence on every machine for a given seed. */
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (xs) => xs[int(xs.length)],
    range: (lo, hi) => lo + int(hi - lo + 1),
  };
}

/** A batch's own seed: batches are generated in any order, by any worker, identically. */
const batchSeed = (seed, k) => createHash('sha256').update(`${seed}:${k}`).digest().readUInt32LE(0);

// ------------------------------------------------------------------ seeds

function unitKindOf(name) {
  const dot = name.lastIndexOf('.');
  return dot > 0 && KINDS.includes(name.slice(dot + 1)) ? name.slice(dot + 1) : undefined;
}

/** Seed unit files (kind, text) and drop-in texts from examples/ and the Quadlet cases. */
function loadSeeds() {
  const units = [];
  const dropins = [];
  for (const dir of [join(ROOT, 'examples'), CASES_DIR]) {
    if (!existsSync(dir)) continue;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        for (const f of readdirSync(p))
          if (f.endsWith('.conf')) dropins.push(readFileSync(`${p}/${f}`, 'utf8'));
        continue;
      }
      const kind = unitKindOf(e.name);
      if (kind) units.push({ kind, text: readFileSync(p, 'utf8'), from: e.name });
    }
  }
  return { units, dropins };
}

// ------------------------------------------------------------------ generation

const SECTION_OF = {
  container: 'Container',
  network: 'Network',
  volume: 'Volume',
  pod: 'Pod',
  kube: 'Kube',
  image: 'Image',
  build: 'Build',
  artifact: 'Artifact',
};
const INVALID_UTF8 = [
  [0xff],
  [0xc3, 0x28],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xc0, 0xaf],
  [0xe2, 0x82],
  [0x80],
  [0xfe, 0xfe],
];
const ODD_ESCAPES = [
  '\\x00',
  '\\u0000',
  '\\777',
  '\\U0011ffff',
  '\\U00000000',
  '\\x',
  '\\u12',
  '\\',
  '\\\\',
  '\\q',
  '\\0',
  '\\n',
  '\\t',
  '\\s',
  '\\"',
  "\\'",
  '\\uD800',
  '\\xff\\xfe',
];
const SPECIFIERS = ['%n', '%N', '%i', '%I', '%p', '%P', '%%', '%Z', '%', '%u', '%U', '%h', '%t', '%S', '%E'];
const CONTROL = [
  '\r',
  '\x1b[31m',
  '\x1b]0;title\x07',
  '\x07',
  '\x7f',
  '\x01',
  '\x0b',
  '\x0c',
  '\u2028',
  '\ufeff',
];
const TRICKY = [
  '$(reboot)',
  '`id`',
  '-- ',
  '--rm',
  ';',
  '&&',
  '|',
  '"',
  "'",
  "''",
  '""',
  'a b',
  '$\x7bHOME}',
  '$HOME',
  '~',
  '../../../etc/passwd',
  '-1',
  '0',
  '99999999999999999999',
  '1e400',
  'NaN',
  '0x10',
  'yes',
  'off',
  'true ',
  ':::',
  '=',
  '==',
  'a=b=c',
  '[',
  ']',
  '{',
  '}',
  '(',
  ')',
  '#',
  ';comment',
  ' ',
  '\t',
  'é',
  '😀',
  'x'.repeat(300),
];

function keyTables(keys) {
  return {
    Container: [...keys.CONTAINER_KEYS.keys()],
    Network: [...keys.NETWORK_KEYS.keys()],
    Volume: [...keys.VOLUME_KEYS.keys()],
    Service: [...keys.SERVICE_KEYS_MAPPED],
    Unit: [...keys.UNIT_KEYS_MAPPED],
    Install: [...keys.INSTALL_KEYS_MAPPED],
  };
}

/** A plausible value for a key, often referring to other units of the batch. */
function valueFor(r, key, peers) {
  const peer = (kind) => {
    const xs = peers[kind];
    return xs && xs.length > 0 ? r.pick(xs) : `missing.${kind}`;
  };
  switch (key) {
    case 'Image':
      return r.pick([
        'localhost/busybox:latest',
        'docker.io/library/alpine',
        'oci-archive:/tmp/none.tar',
        'docker-archive:/nonexistent.tar:tag',
        `${peer('image')}`,
        `${peer('build')}`,
        `quay.io/x/y@sha256:${'a'.repeat(64)}`,
      ]);
    case 'Network':
      return r.pick([peer('network'), peer('container'), 'host', 'none', `${peer('network')}:ip=10.0.0.2`]);
    case 'Volume':
      return r.pick([`${peer('volume')}:/data`, '/srv:/srv:Z,ro', 'anon:/x', `${peer('image')}:/y`]);
    case 'Pod':
      return peer('pod');
    case 'Requires':
    case 'After':
    case 'Wants':
    case 'Before':
      return r.pick([
        peer('container'),
        peer('network'),
        'network-online.target',
        `${peer('container')} x.service`,
      ]);
    case 'Exec':
    case 'Entrypoint':
    case 'HealthCmd':
      return r.pick(["/bin/sh -c 'echo hi; sleep 1'", 'httpd -f -p 80', '"unbalanced', 'sh -c \'a "b" c\'']);
    case 'PublishPort':
      return r.pick(['8080:80', '127.0.0.1:53:53/udp', '99999:0', '[::1]:80:80', '1-5:1-5']);
    case 'Environment':
      return r.pick(['A=1 B="two words"', 'X', '=y', 'A=$B', 'PATH=/bin:%h']);
    case 'Subnet':
      return r.pick(['10.89.0.0/24', 'fd00::/64', '300.1.1.1/99', 'x']);
    default:
      return r.chance(0.5) ? r.pick(TRICKY) : `v${r.int(1000)}`;
  }
}

/** A unit built from the key tables. */
function generated(r, kind, tables, peers) {
  const lines = [];
  if (r.chance(0.6)) lines.push('[Unit]', `Description=generated ${r.int(1e6)}`);
  const main = SECTION_OF[kind];
  lines.push(`[${main}]`);
  const keys = tables[main] ?? tables.Container;
  if (kind === 'container' && r.chance(0.9)) lines.push(`Image=${valueFor(r, 'Image', peers)}`);
  const n = r.range(0, 12);
  for (let i = 0; i < n; i++) {
    const key = r.pick(keys);
    lines.push(`${key}=${valueFor(r, key, peers)}`);
  }
  for (const s of ['Service', 'Unit', 'Install']) {
    if (!r.chance(0.25)) continue;
    lines.push(`[${s}]`);
    for (let i = r.range(1, 4); i > 0; i--) {
      const key = r.pick(tables[s]);
      lines.push(`${key}=${valueFor(r, key, peers)}`);
    }
  }
  return lines.join('\n') + (r.chance(0.9) ? '\n' : '');
}

/** Line-level mutations of unit text: the syntax and semantics a hand-edited file gets wrong. */
function mutateLines(r, text, ctx) {
  const lines = text.split('\n');
  const at = () => r.int(lines.length + 1);
  const line = () => r.int(Math.max(lines.length, 1));
  const setValue = (f) => {
    const i = line();
    const l = lines[i] ?? '';
    const eq = l.indexOf('=');
    lines[i] = eq < 0 ? f(l) : l.slice(0, eq + 1) + f(l.slice(eq + 1));
  };
  const insertAt = (s) => (v) => {
    const p = r.int(v.length + 1);
    return v.slice(0, p) + s + v.slice(p);
  };
  const muts = [
    () => lines.splice(line(), 1),
    () => lines.splice(at(), 0, lines[line()] ?? ''),
    () => {
      const i = line();
      const j = line();
      [lines[i], lines[j]] = [lines[j], lines[i]];
    },
    () => {
      const other = r.pick(ctx.seeds.units).text.split('\n');
      lines.splice(at(), 0, r.pick(other));
    },
    () => {
      const i = line();
      const l = lines[i] ?? '';
      const eq = l.indexOf('=');
      const key = r.chance(0.7)
        ? r.pick(r.pick(Object.values(ctx.tables)))
        : r.pick(['image', 'IMAGE', 'Image ', ' Image', 'Ima ge', 'X-Custom', 'Exec\t', '%n', '[Container]']);
      lines[i] = eq < 0 ? `${key}=${l}` : key + l.slice(eq);
    },
    () => {
      const sec = r.pick([
        '[Container]',
        '[Network]',
        '[Volume]',
        '[Pod]',
        '[Kube]',
        '[container]',
        '[Container',
        '[]',
        '[ Container ]',
        '[Container] x',
        '[Con]tainer]',
        '[Service]',
        '[Unit]',
        '[Install]',
        '[X-Fuzz]',
        '[\x01]',
        '[[Container]]',
      ]);
      const i = lines.findIndex((l) => l.startsWith('['));
      if (i >= 0 && r.chance(0.7)) lines[i] = sec;
      else lines.splice(at(), 0, sec);
    },
    () => setValue(() => ''),
    () => {
      const i = line();
      const l = lines[i] ?? '';
      const eq = l.indexOf('=');
      if (eq > 0) lines.splice(i + 1, 0, `${l.slice(0, eq)}=${r.pick(TRICKY)}`);
    },
    () => {
      const i = line();
      lines[i] = `${lines[i] ?? ''}${r.pick(['\\', ' \\', '\\\\', '\\ '])}`;
    },
    () => lines.push(`${lines.pop() ?? ''}\\`),
    () => setValue(insertAt(r.pick(['"', "'", '"\'', '\\"', '"a" "b', "'a'b'"]))),
    () => setValue(insertAt(r.pick(['[', ']', '{', '}', '(', ')', '[[', '}}', '${', '$(']))),
    () => setValue(insertAt(r.pick(ODD_ESCAPES))),
    () => setValue(insertAt(r.pick(SPECIFIERS))),
    () => {
      if (r.chance(0.5)) for (let i = 0; i < lines.length; i++) lines[i] += '\r';
      else setValue(insertAt(r.pick(CONTROL)));
    },
    () => {
      const n = r.pick([50, 300, 2000, 8000]);
      const key = r.pick(['Exec', 'PublishPort', 'Label', 'Environment', 'PodmanArgs', 'AddCapability']);
      const words = Array.from({ length: n }, (_, i) =>
        key === 'PublishPort' ? `${i + 1}:${i + 1}` : `a${i}=${i}`,
      );
      lines.splice(at(), 0, `${key}=${words.join(' ')}`);
    },
    () => setValue(() => r.pick(TRICKY)),
    () => {
      const key = r.pick(['Network', 'Volume', 'Pod', 'Requires', 'After', 'Image', 'Wants']);
      const sec = key === 'Requires' || key === 'After' || key === 'Wants' ? '[Unit]' : '[Container]';
      lines.push(sec, `${key}=${valueFor(r, key, ctx.peers)}`);
    },
    // a long unknown key: log-uniform length, since every one costs a "did you mean" search
    () => lines.splice(at(), 0, `${'K'.repeat(Math.floor(20000 ** r.next()))}=v`),
    () => lines.splice(at(), 0, r.pick(['=value', ' = ', 'Key', 'Key =', '  [Container]', '#', ';', '\\'])),
  ];
  for (let n = r.range(1, 4); n > 0; n--) r.pick(muts)();
  return lines.join('\n');
}

/** Byte-level mutations: what reaches a parser from a bad editor, a cut copy or a corrupt disk. */
function mutateBytes(r, buf) {
  const pos = () => r.int(buf.length + 1);
  const splice = (p, bytes) => Buffer.concat([buf.subarray(0, p), Buffer.from(bytes), buf.subarray(p)]);
  const muts = [
    () => splice(pos(), [0]),
    () => splice(pos(), r.pick(INVALID_UTF8)),
    () => {
      if (buf.length === 0) return buf;
      const b = Buffer.from(buf);
      b[r.int(b.length)] = r.int(256);
      return b;
    },
    () => buf.subarray(0, pos()),
    () =>
      splice(
        pos(),
        Array.from({ length: r.range(1, 16) }, () => r.int(256)),
      ),
    // a bad byte on a line of its own, after a line that may continue into it
    () => {
      const b = r.pick(INVALID_UTF8.concat([[0]]));
      return Buffer.concat([buf, Buffer.from(`\nExec=a`), Buffer.from(b), Buffer.from('b\n')]);
    },
  ];
  for (let n = r.range(1, 2); n > 0; n--) buf = r.pick(muts)();
  return buf;
}

/** A file larger than the limit: one huge line (value, comment or garbage), or many short lines. */
function huge(r, text) {
  const size = Math.floor(100_000 * 20 ** r.next()); // 100 KB – 2 MB, log-uniform
  const kind = r.int(4);
  if (kind === 3) {
    const line = `Label=k${r.int(100)}=v\n`;
    return text + line.repeat(Math.ceil(size / line.length));
  }
  const fill = r.chance(0.5)
    ? 'a'.repeat(size)
    : Array.from({ length: size / 8 }, (_, i) => `w${i % 9999}`).join(' ');
  const line = kind === 0 ? `Exec=${fill}` : kind === 1 ? `# ${fill}` : fill;
  const lines = text.split('\n');
  lines.splice(r.int(lines.length + 1), 0, line);
  return lines.join('\n');
}

/** One unit's or drop-in's bytes: a seed or a generated unit, mutated at line and byte level. */
function makeText(r, kind, ctx, { dropin = false } = {}) {
  let text;
  if (dropin) {
    text = r.chance(0.5)
      ? r.pick(ctx.seeds.dropins)
      : `[${SECTION_OF[kind]}]\n${r.pick(['Label=fuzz=1', 'Environment=A=1', 'PodmanArgs=--log-level=info', 'Exec=true'])}\n`;
  } else {
    const same = ctx.byKind[kind];
    text = same.length > 0 && r.chance(0.6) ? r.pick(same).text : generated(r, kind, ctx.tables, ctx.peers);
  }
  const roll = r.next();
  if (roll < 0.12) return Buffer.from(text); // untouched: the usable baseline
  if (roll < 0.7) text = mutateLines(r, text, ctx);
  if (r.chance(0.004)) text = huge(r, text);
  let buf = Buffer.from(text);
  if (roll >= 0.7 || r.chance(0.12)) buf = mutateBytes(r, buf);
  return buf;
}

/**
 * The files of batch k: relative path → bytes, and how many unit files among them. Names are
 * plain, dashed (truncated-prefix drop-ins), templates with instances, and each may get drop-ins.
 */
function generateBatch(seed, k, ctx) {
  const r = prng(batchSeed(seed, k));
  const size = k % 10 === 3 ? BIG_BATCH : BATCH;
  const files = new Map();
  const names = [];
  // names first, so units can refer to each other (and in cycles)
  while (names.length < size) {
    const i = names.length;
    const kind = r.chance(0.6) ? 'container' : r.pick(KINDS);
    const shape = r.next();
    if (shape < 0.08 && names.length + 2 <= size) {
      names.push(`t${i}@.${kind}`, `t${i}@i${r.int(10)}.${kind}`);
    } else if (shape < 0.15) names.push(`d${i}-${r.pick(['a', 'b-c', 'x'])}.${kind}`);
    else names.push(`n${i}.${kind}`);
  }
  ctx.peers = Object.fromEntries(KINDS.map((kind) => [kind, names.filter((x) => x.endsWith(`.${kind}`))]));
  for (const name of names) {
    const kind = unitKindOf(name);
    files.set(name, makeText(r, kind, ctx));
    if (r.chance(0.08)) {
      for (let j = r.range(1, 3); j > 0; j--)
        files.set(`${name}.d/${r.range(10, 99)}-f.conf`, makeText(r, kind, ctx, { dropin: true }));
    }
    if (name.startsWith('d') && r.chance(0.3)) {
      const prefix = name.slice(0, name.indexOf('-') + 1);
      files.set(`${prefix}.${kind}.d/20-p.conf`, makeText(r, kind, ctx, { dropin: true }));
    }
    if (name.includes('@.') && r.chance(0.4))
      files.set(`${name}.d/30-t.conf`, makeText(r, kind, ctx, { dropin: true }));
  }
  for (const kind of ['container', 'network', 'volume', 'pod']) {
    if (!r.chance(0.15)) continue;
    // a type-wide drop-in applies to every unit of its kind: mostly benign, to keep the rest testable
    const text = r.chance(0.85)
      ? Buffer.from(`[${SECTION_OF[kind]}]\nLabel=fuzz-batch=${k}\n`)
      : makeText(r, kind, ctx, { dropin: true });
    files.set(`${kind}.d/50-all.conf`, text);
  }
  // editor leftovers and non-unit names must be ignored, whatever they hold
  if (r.chance(0.3)) files.set(`${r.pick(names)}~`, Buffer.from([0, 0xff, 0x0a]));
  if (r.chance(0.3)) files.set(`.${r.pick(names)}.swp`, Buffer.from([0xff]));
  for (const c of CONTROLS) files.set(c.name, Buffer.from(c.text));
  // things that are not regular files, where a unit or a drop-in is looked for
  const specials = [];
  if (r.chance(0.3)) {
    const n = () => r.pick(names.filter((x) => x.endsWith('.container') && !x.includes('@')));
    specials.push(
      r.pick([
        { path: `sp${k}-host.container`, symlink: '/etc/hostname' },
        { path: `sp${k}-dangling.container`, symlink: '/nonexistent/x.container' },
        { path: `sp${k}-loop.container`, symlink: `sp${k}-loop.container` },
        { path: `sp${k}-zero.container`, symlink: '/dev/zero' },
        { path: `sp${k}-urandom.volume`, symlink: '/dev/urandom' },
        { path: `sp${k}-fifo.container`, fifo: true },
        { path: `sp${k}-dir.container`, dir: true },
        { path: `${n()}.d/00-fifo.conf`, fifo: true },
        { path: `${n()}.d/00-zero.conf`, symlink: '/dev/zero' },
        { path: `${n()}.d`, symlink: '/etc' },
      ]),
    );
  }
  return { files, units: names.length, specials };
}

/** Units with no reference to others, whose translation must not depend on their batch. */
const CONTROLS = [
  {
    name: 'zzctl.container',
    text: '[Unit]\nDescription=control\n\n[Container]\nImage=localhost/busybox:latest\nExec=httpd -f -p 8080 -h /www\nPublishPort=8080:8080\n',
  },
  { name: 'zzctlnet.network', text: '[Network]\nSubnet=10.89.9.0/24\n' },
];

function writeFiles(dir, files) {
  const made = new Set();
  for (const [rel, buf] of files) {
    const d = dirname(rel);
    if (d !== '.' && !made.has(d)) {
      mkdirSync(join(dir, d), { recursive: true });
      made.add(d);
    }
    writeFileSync(join(dir, rel), buf);
  }
}

// ------------------------------------------------------------------ expectations

/** Why a file must be rejected: larger than the limit, or NUL / invalid UTF-8 on a non-comment line. */
function badness(buf) {
  if (buf.length > MAX_UNIT_BYTES) return { why: 'size' };
  if (isUtf8(buf) && !buf.includes(0)) return undefined;
  let start = 0;
  let lineNo = 0;
  while (start <= buf.length) {
    let end = buf.indexOf(10, start);
    if (end < 0) end = buf.length;
    lineNo++;
    const line = buf.subarray(start, end);
    const nul = line.includes(0);
    const utf8 = !isUtf8(line);
    if (nul || utf8) {
      const first = line.toString('utf8').trim().charAt(0);
      if (first !== '#' && first !== ';') return { why: nul ? 'nul' : 'utf8', line: lineNo };
    }
    start = end + 1;
  }
  return undefined;
}

// ------------------------------------------------------------------ the worker: one batch at a time

async function worker() {
  const { translateDir } = await import(join(DIST, 'model/translate.js'));
  const { formatDiagnostic } = await import(join(DIST, 'lib/diagnostics.js'));
  const { dropinDirs, isIgnoredName, parseUnitName } = await import(join(DIST, 'parse/load.js'));
  const { sync } = await import(join(DIST, 'apply/sync.js'));
  const keys = await import(join(DIST, 'model/keys.js'));
  const seeds = loadSeeds();
  const byKind = Object.fromEntries(KINDS.map((k) => [k, seeds.units.filter((u) => u.kind === k)]));
  const ctx = { seeds, byKind, tables: keyTables(keys), peers: {} };

  /** The drop-in files that apply to a unit, most specific directory winning per name. */
  const dropinsOf = (files, name) => {
    const chosen = new Map();
    for (const d of dropinDirs(parseUnitName(name))) {
      for (const rel of files.keys()) {
        if (dirname(rel) !== d) continue;
        const f = basename(rel);
        if (f.endsWith('.conf') && !isIgnoredName(f) && !chosen.has(f)) chosen.set(f, rel);
      }
    }
    return [...chosen.values()];
  };

  const dropinDirsOf = (name) => dropinDirs(parseUnitName(name)).map((d) => `${d}/`);

  /** A unit and its drop-ins alone in a fresh directory (or only their files, with write false). */
  const alone = (files, name, extra = new Map(), write = true) => {
    const own = new Map([[name, files.get(name)], ...dropinsOf(files, name).map((p) => [p, files.get(p)])]);
    for (const [p, b] of extra) own.set(p, b);
    if (!write) return { own };
    const dir = mkdtempSync(join(tmpdir(), 'fuzz-alone-'));
    writeFiles(dir, own);
    return { dir, own };
  };
  const saved = { missed: 0 };

  const signature = (e) =>
    `${e?.name ?? typeof e}: ${String(e?.message ?? e)
      .split('\n')[0]
      .replace(/\/tmp\/\S+/g, 'PATH')
      .replace(/\d+/g, 'N')
      .slice(0, 160)} @ ${(String(e?.stack ?? '').split('\n')[1] ?? '').trim().replace(/:\d+:\d+\)?$/, '')}`;

  /** Shrinks a unit file that makes translateDir throw, keeping the same signature. */
  const minimize = (name, buf, sig) =>
    minimizeWith(name, buf, (dir) => {
      try {
        translateDir(dir);
        return false;
      } catch (e) {
        return signature(e) === sig;
      }
    });

  /** Shrinks a unit file, by lines then bytes, while `failing(dir)` holds for a directory of it alone. */
  const minimizeWith = (name, buf, failing) => {
    let budget = 400;
    const throws = (b) => {
      if (budget-- <= 0) return false;
      const dir = mkdtempSync(join(tmpdir(), 'fuzz-min-'));
      try {
        writeFileSync(join(dir, name), b);
        return failing(dir);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    let parts = splitKeep(buf, 10);
    for (
      let chunk = Math.ceil(parts.length / 2);
      chunk >= 1;
      chunk = chunk === 1 ? 0 : Math.ceil(chunk / 2)
    ) {
      for (let i = 0; i < parts.length; ) {
        const tryParts = parts.slice(0, i).concat(parts.slice(i + chunk));
        if (tryParts.length > 0 && throws(Buffer.concat(tryParts))) parts = tryParts;
        else i += chunk;
      }
    }
    let out = Buffer.concat(parts);
    // then bytes, from the end of each line inwards
    for (let cut = Math.floor(out.length / 2); cut >= 1; cut = Math.floor(cut / 2)) {
      for (let i = 0; i + cut <= out.length; ) {
        const b = Buffer.concat([out.subarray(0, i), out.subarray(i + cut)]);
        if (throws(b)) out = b;
        else i += cut;
      }
    }
    return out;
  };

  process.on('message', async (msg) => {
    if (msg.type !== 'batch') return;
    const { k, seed } = msg;
    const stats = newStats();
    let t0 = performance.now();
    let last = '';
    const phase = (k, name, extra) => {
      const now = performance.now();
      if (last) stats.ms[last] = (stats.ms[last] ?? 0) + now - t0;
      t0 = now;
      last = name;
      if (process.connected) process.send({ type: 'phase', k, name, ...extra });
    };
    const fail = (kind, detail) => {
      stats[kind]++;
      if (stats.examples[kind].length < KEEP_EXAMPLES) stats.examples[kind].push({ batch: k, ...detail });
    };
    const saveRepro = (label, files) => {
      const d = join(CRASH_DIR, `seed${seed}-b${k}-${label}`);
      rmSync(d, { recursive: true, force: true });
      mkdirSync(d, { recursive: true });
      writeFiles(d, files);
      return d;
    };
    phase(k, 'generate');
    const { files, units, specials } = generateBatch(seed, k, ctx);
    const dir = mkdtempSync(join(tmpdir(), `fuzz-b${k}-`));
    writeFiles(dir, files);
    for (const sp of specials) {
      const p = join(dir, sp.path);
      if (existsSync(p)) continue;
      mkdirSync(dirname(p), { recursive: true });
      if (sp.symlink) symlinkSync(sp.symlink, p);
      else if (sp.dir) mkdirSync(p);
      else if (sp.fifo) spawnSync('mkfifo', [p]);
    }
    stats.units += units;
    stats.files += files.size;
    phase(k, 'translate', { dir });

    let first;
    try {
      first = translateDir(dir);
    } catch (e) {
      // isolate the unit(s) that throw; a throw that needs several units keeps the whole batch
      const sig = signature(e);
      let found = 0;
      for (const name of files.keys()) {
        if (name.includes('/') || !unitKindOf(name)) continue;
        const a = alone(files, name);
        try {
          translateDir(a.dir);
        } catch (e2) {
          found++;
          const s2 = signature(e2);
          const min = a.own.size === 1 ? minimize(name, files.get(name), s2) : undefined;
          fail('crashes', {
            where: 'translateDir',
            file: name,
            signature: s2,
            stack: String(e2?.stack ?? e2)
              .split('\n')
              .slice(0, 8)
              .join('\n'),
            minimal: min === undefined ? undefined : JSON.stringify(min.toString('latin1')),
            minimalBytes:
              min === undefined ? undefined : [...min].map((b) => b.toString(16).padStart(2, '0')).join(''),
            repro: saveRepro(`crash-${name}`, a.own),
          });
        }
        rmSync(a.dir, { recursive: true, force: true });
      }
      if (found === 0) {
        fail('crashes', {
          where: 'translateDir (batch only)',
          signature: sig,
          stack: String(e?.stack),
          repro: saveRepro('crash-batch', files),
        });
      }
      rmSync(dir, { recursive: true, force: true });
      if (process.connected) process.send({ type: 'done', k, stats });
      return;
    }

    const { results } = first;
    phase(k, 'verify');
    const prefix = `${dir}/`;
    for (const res of results) {
      const rel = res.path.startsWith(prefix) ? res.path.slice(prefix.length) : res.path;
      if (CONTROLS.some((c) => c.name === rel)) continue;
      if (!files.has(rel)) stats.specials++;
      res.ok ? stats.usable++ : stats.rejected++;
      const own = [res.path, ...dropinsOf(files, rel).map((p) => prefix + p)];
      const errors = res.diagnostics.filter((d) => d.severity === 'error');
      // translateOne turns a throw into an "internal error" diagnostic: still a crash
      const internal = errors.find((d) => /internal error/i.test(d.message));
      if (internal && files.has(rel)) {
        const a = alone(files, rel);
        const sig = internal.message
          .replace(/\/tmp\/\S+/g, 'PATH')
          .replace(/\d+/g, 'N')
          .slice(0, 200);
        const still = (d) => {
          try {
            return translateDir(d).results.some((x) =>
              x.diagnostics.some((y) => /internal error/i.test(y.message)),
            );
          } catch {
            return true;
          }
        };
        const min =
          a.own.size === 1 && still(a.dir) ? minimizeWith(rel, files.get(rel), (dd) => still(dd)) : undefined;
        fail('crashes', {
          where: 'translateOne (internal error)',
          file: rel,
          signature: sig,
          message: internal.message.slice(0, 500),
          alone: still(a.dir),
          minimal: min === undefined ? undefined : JSON.stringify(min.toString('latin1')),
          repro: saveRepro('internal', a.own),
        });
        rmSync(a.dir, { recursive: true, force: true });
      }
      // every diagnostic names a file of this batch and a line (0: the file as a whole)
      const badDiag = res.diagnostics.find(
        (d) =>
          typeof d.file !== 'string' || !d.file.startsWith(prefix) || !Number.isInteger(d.line) || d.line < 0,
      );
      if (badDiag)
        fail('unreported', {
          file: rel,
          why: 'diagnostic without a FILE of the batch or a LINE',
          diagnostic: badDiag,
        });
      // a drop-in may also come from a symlinked drop-in directory, which the batch's map does not list
      else if (
        !res.ok &&
        !errors.some(
          (d) => own.includes(d.file) || dropinDirsOf(rel).some((x) => d.file.startsWith(prefix + x)),
        )
      ) {
        fail('unreported', {
          file: rel,
          why: errors.length === 0 ? 'rejected with no error' : 'no error names the unit or its drop-ins',
          diagnostics: res.diagnostics.slice(0, 3),
        });
      }
      // bad bytes or an oversized file, in the unit or a drop-in it reads, reject it there
      const mainBad = files.has(rel) ? badness(files.get(rel)) : undefined;
      for (const f of own) {
        const b =
          f === res.path
            ? mainBad
            : files.has(f.slice(prefix.length)) && badness(files.get(f.slice(prefix.length)));
        // a unit file that is not read at all gets that one error, not its drop-ins' too
        if (!b || (f !== res.path && mainBad?.why === 'size')) continue;
        stats.expectedBad[b.why]++;
        const named = errors.find((d) => d.file === f && (b.why === 'size' ? d.line === 0 : d.line > 0));
        if (res.ok || !named) {
          fail('missedRejections', {
            repro:
              saved.missed++ < 10
                ? saveRepro(`missed-${rel}`, alone(files, rel, new Map(), false).own)
                : undefined,
            file: rel,
            badFile: f.slice(prefix.length),
            why: b.why,
            line: b.line,
            ok: res.ok,
            errors: errors.slice(0, 2).map((d) => ({ ...d, message: d.message.slice(0, 200) })),
            sample:
              b.why === 'size'
                ? `${files.get(f.slice(prefix.length)).length} bytes`
                : JSON.stringify(
                    files
                      .get(f.slice(prefix.length))
                      .toString('latin1')
                      .split('\n')
                      [b.line - 1]?.slice(0, 120),
                  ),
          });
        }
      }
    }

    // the same directory again: the same results
    phase(k, 'again');
    const firstJson = JSON.stringify(results);
    try {
      const again = JSON.stringify(translateDir(dir).results);
      if (again !== firstJson)
        fail('nondeterministic', { where: 'translateDir twice', diff: firstDiff(firstJson, again) });
    } catch (e) {
      fail('crashes', {
        where: 'second translation',
        signature: signature(e),
        stack: String(e?.stack),
        repro: saveRepro('crash-second', files),
      });
    }

    // controls: the same result as alone with the same type-wide drop-ins
    phase(k, 'controls');
    for (const c of CONTROLS) {
      const inBatch = results.find((x) => x.path === prefix + c.name);
      const a = alone(files, c.name);
      try {
        const solo = translateDir(a.dir).results.find((x) => x.path === `${a.dir}/${c.name}`);
        const norm = (v, d) => JSON.stringify(v).split(d).join('<DIR>');
        if (!inBatch || norm(inBatch, dir) !== norm(solo, a.dir)) {
          fail('controlsAffected', {
            file: c.name,
            inBatch: inBatch && norm(inBatch, dir).slice(0, 600),
            alone: norm(solo, a.dir).slice(0, 600),
            repro: saveRepro('control', files),
          });
        }
      } catch (e) {
        fail('crashes', { where: 'control alone', signature: signature(e), stack: String(e?.stack) });
      }
      rmSync(a.dir, { recursive: true, force: true });
    }

    // the command: exit 0/1, FILE[:LINE]: severity: lines, exactly what translateDir says
    if (k % 20 === 3) {
      phase(k, 'cli');
      stats.cliRuns++;
      const cli = spawnSync(process.execPath, [join(DIST, 'cli/main.js'), 'check', dir], {
        timeout: PHASE_TIMEOUT_MS,
        maxBuffer: 1 << 30,
        encoding: 'utf8',
      });
      const stderr = cli.stderr ?? '';
      const expected = results.flatMap((x) => x.diagnostics.map((d) => `${formatDiagnostic(d)}\n`)).join('');
      const usable = results.filter((x) => x.ok).length;
      const lineRe = new RegExp(`^${escapeRe(prefix)}[^:]+(:\\d+)?: (error|warning): `);
      const badLine = stderr
        .split('\n')
        .slice(0, -1)
        .find((l) => !lineRe.test(l));
      let why;
      if (cli.error?.code === 'ETIMEDOUT') {
        fail('hangs', { where: 'finit-pods check', repro: saveRepro('hang-cli', files) });
      } else if (cli.signal || (cli.status !== 0 && cli.status !== 1))
        why = `exit ${cli.status} signal ${cli.signal}`;
      else if (/^\s+at .+:\d+:\d+\)?$/m.test(stderr)) why = 'stack trace on stderr';
      else if (badLine !== undefined)
        why = `stderr line not FILE[:LINE]: severity: ${JSON.stringify(badLine.slice(0, 200))}`;
      else if (cli.status !== (usable === results.length ? 0 : 1))
        why = `exit ${cli.status} with ${usable} of ${results.length} usable`;
      else if (stderr !== expected) why = `stderr differs from translateDir: ${firstDiff(expected, stderr)}`;
      else if (cli.stdout !== `${usable} of ${results.length} units usable\n`)
        why = `stdout ${JSON.stringify(cli.stdout.slice(0, 200))}`;
      if (why) {
        fail('cliFailures', { why, stderr: stderr.slice(0, 2000), repro: saveRepro('cli', files) });
      }
    }

    // the sync engine, with fake Finit and podman: never throws, writes only well-formed stanzas
    if (k % 10 === 1) {
      phase(k, 'sync');
      stats.syncRuns++;
      const root = mkdtempSync(join(tmpdir(), 'fuzz-sync-'));
      const cfg = {
        unitsDir: dir,
        stanzaDir: join(root, 'enabled'),
        runDir: join(root, 'run'),
        cniDir: join(root, 'cni'),
        podman: '/fake/podman',
      };
      const version = k % 2 === 0 ? '4.2' : '4.12';
      const finit = {
        initctl: '/fake/initctl',
        version: async () => version,
        reload: async () => {},
        condGet: async () => false,
        condSet: async () => {},
      };
      const calls = [];
      // node's spawn refuses a NUL byte in the program or an argument: so does this podman
      const exec = async (file, args) => {
        for (const [i, a] of [file, ...args].entries()) {
          if (typeof a !== 'string' || a.includes('\0')) {
            const e = new TypeError(
              `The argument '${i === 0 ? 'file' : `args[${i - 1}]`}' must be a string without null bytes. Received ${JSON.stringify(a)?.slice(0, 200)}`,
            );
            e.code = 'ERR_INVALID_ARG_VALUE';
            throw e;
          }
        }
        calls.push(args);
        const out = args[0] === 'info' ? 'cni' : args[0] === 'ps' || args[0] === 'images' ? '[]' : '';
        return { exitCode: 0, stdout: out, stderr: '', timedOut: false };
      };
      const deps = {
        finit,
        exec,
        checkImages: 'changed',
        localImages: async () => ({ names: { has: () => true, add() {} }, ids: new Set() }),
      };
      try {
        const rep = await sync(cfg, deps);
        for (const p of rep.written) {
          const text = readFileSync(p, 'utf8');
          if (
            p.endsWith('.conf') &&
            (!text.startsWith('# finit-pods: generated') || !/^service /m.test(text))
          ) {
            fail('syncFailures', {
              why: 'stanza without the marker or a service line',
              stanza: text.slice(0, 600),
              repro: saveRepro('sync', files),
            });
          } else if (text.includes('\0')) {
            fail('syncFailures', {
              why: 'NUL byte written to a stanza or argv file',
              stanza: p,
              repro: saveRepro('sync', files),
            });
          }
        }
        const rep2 = await sync(cfg, deps);
        if (rep2.written.length > 0 || rep2.removed.length > 0 || rep2.reloaded) {
          fail('nondeterministic', {
            where: 'second sync changed files',
            written: rep2.written.slice(0, 5),
            removed: rep2.removed.slice(0, 5),
            repro: saveRepro('nondeterministic', files),
          });
        }
      } catch (e) {
        fail('crashes', {
          where: `sync (Finit ${version})`,
          signature: signature(e),
          stack: String(e?.stack ?? e)
            .split('\n')
            .slice(0, 8)
            .join('\n'),
          repro: saveRepro('crash-sync', files),
        });
      }
      rmSync(root, { recursive: true, force: true });
    }

    if (process.env.FUZZ_KEEP_DIRS === '1') process.stderr.write(`fuzz: batch ${k} kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
    phase(k, 'end');
    if (process.connected) process.send({ type: 'done', k, stats });
  });
  process.send({ type: 'ready' });
}

/** Splits a buffer into chunks ending after each newline (the last may not end with one). */
function splitKeep(buf, sep) {
  const parts = [];
  let start = 0;
  while (start < buf.length) {
    let end = buf.indexOf(sep, start);
    end = end < 0 ? buf.length : end + 1;
    parts.push(buf.subarray(start, end));
    start = end;
  }
  return parts;
}

function firstDiff(a, b) {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `at ${i}: ${JSON.stringify(a.slice(Math.max(0, i - 80), i + 80))} vs ${JSON.stringify(b.slice(Math.max(0, i - 80), i + 80))}`;
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const FIGURES = [
  'crashes',
  'hangs',
  'unreported',
  'nondeterministic',
  'missedRejections',
  'controlsAffected',
  'cliFailures',
  'syncFailures',
];

function newStats() {
  const s = {
    units: 0,
    files: 0,
    usable: 0,
    rejected: 0,
    specials: 0,
    cliRuns: 0,
    syncRuns: 0,
    ms: {},
    expectedBad: { size: 0, nul: 0, utf8: 0 },
    examples: {},
  };
  for (const f of FIGURES) {
    s[f] = 0;
    s.examples[f] = [];
  }
  return s;
}

function addStats(into, s) {
  for (const key of ['units', 'files', 'usable', 'rejected', 'specials', 'cliRuns', 'syncRuns', ...FIGURES])
    into[key] += s[key];
  for (const [p, ms] of Object.entries(s.ms)) into.ms[p] = (into.ms[p] ?? 0) + ms;
  for (const w of Object.keys(into.expectedBad)) into.expectedBad[w] += s.expectedBad[w];
  for (const f of FIGURES) {
    for (const ex of s.examples[f]) if (into.examples[f].length < KEEP_EXAMPLES) into.examples[f].push(ex);
  }
}

// ------------------------------------------------------------------ the parent: batches, watchdog, summary

async function main() {
  const cases = Number(process.env.FUZZ_CASES ?? 100_000);
  const seed = Number(process.env.FUZZ_SEED ?? 1);
  const jobs = Number(process.env.FUZZ_JOBS ?? Math.max(1, Math.min(availableParallelism(), 4)));
  if (!existsSync(join(DIST, 'model/translate.js'))) {
    console.error(`fuzz: ${DIST} has no build; run npx tsc -p tsconfig.json first`);
    process.exit(2);
  }
  const started = Date.now();
  // batch sizes up front, so that a batch's number alone says what it holds
  const batches = [];
  for (let k = 0, total = 0; total < cases; k++) {
    batches.push(k);
    total += k % 10 === 3 ? BIG_BATCH : BATCH;
  }
  const stats = newStats();
  let nextBatch = 0;

  const runWorker = () =>
    new Promise((resolveWorker) => {
      const child = fork(fileURLToPath(import.meta.url), [], {
        env: { ...process.env, FUZZ_ROLE: 'worker' },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      let current;
      let dir;
      let timer;
      let phaseName = '';
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          stats.hangs++;
          child.kill('SIGKILL');
          let keep = dir ? join(CRASH_DIR, `seed${seed}-b${current}-hang`) : undefined;
          try {
            if (keep) {
              rmSync(keep, { recursive: true, force: true });
              mkdirSync(CRASH_DIR, { recursive: true });
              cpSync(dir, keep, { recursive: true });
            }
          } catch {
            keep = undefined; // the worker was removing it as it was stopped
          }
          if (stats.examples.hangs.length < KEEP_EXAMPLES) {
            stats.examples.hangs.push({
              batch: current,
              where: phaseName,
              repro: keep,
              culprits: keep && culprits(keep),
            });
          }
          current = undefined;
        }, PHASE_TIMEOUT_MS + 30_000); // longer than the worker's own timeouts, which it reports itself
      };
      const give = () => {
        if (nextBatch >= batches.length) {
          child.disconnect();
          return;
        }
        current = batches[nextBatch++];
        dir = undefined;
        arm();
        child.send({ type: 'batch', k: current, seed });
      };
      child.on('message', (m) => {
        if (m.type === 'ready') give();
        else if (m.type === 'phase') {
          phaseName = m.name;
          if (m.dir) dir = m.dir;
          arm();
        } else if (m.type === 'done') {
          clearTimeout(timer);
          current = undefined;
          dir = undefined;
          addStats(stats, m.stats);
          if (process.env.FUZZ_PROGRESS === '1') process.stderr.write(`batch ${m.k} done\n`);
          give();
        }
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (current !== undefined) {
          // died in the middle of a batch (out of memory, a native crash, process.exit)
          stats.crashes++;
          const keep = join(CRASH_DIR, `seed${seed}-b${current}-died`);
          try {
            if (dir && existsSync(dir)) cpSync(dir, keep, { recursive: true });
          } catch {
            // gone with the worker
          }
          if (stats.examples.crashes.length < KEEP_EXAMPLES) {
            stats.examples.crashes.push({
              batch: current,
              where: `worker died in ${phaseName}: exit ${code} signal ${signal}`,
              repro: keep,
            });
          }
        }
        if (dir && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
        resolveWorker(nextBatch < batches.length ? runWorker() : undefined);
      });
    });
  await Promise.all(Array.from({ length: jobs }, runWorker));

  const secs = Math.round((Date.now() - started) / 1000);
  const summary = {
    cases: stats.units,
    files: stats.files,
    seed,
    seconds: secs,
    usable: stats.usable,
    rejected: stats.rejected,
    cliRuns: stats.cliRuns,
    syncRuns: stats.syncRuns,
    expectedBad: stats.expectedBad,
    specials: stats.specials,
    workerMs: Object.fromEntries(Object.entries(stats.ms).map(([p, ms]) => [p, Math.round(ms)])),
    ...Object.fromEntries(FIGURES.map((f) => [f, stats[f]])),
  };
  for (const f of FIGURES) {
    for (const ex of stats.examples[f]) process.stderr.write(`fuzz: ${f}: ${JSON.stringify(ex, null, 1)}\n`);
  }
  const met = FIGURES.every((f) => stats[f] === 0);
  console.log(
    `fuzz: ${stats.units} unit files (seed ${seed}): crashes ${stats.crashes} (target 0), hangs ${stats.hangs} (target 0), rejected without FILE ${stats.unreported} (target 0), nondeterministic ${stats.nondeterministic} (target 0), rejected ${stats.rejected}, usable ${stats.usable}, ${secs} s`,
  );
  console.log(
    `fuzz: bad bytes and oversized files accepted or not named ${stats.missedRejections} (target 0) of ${stats.expectedBad.nul} with NUL, ${stats.expectedBad.utf8} with invalid UTF-8, ${stats.expectedBad.size} over 64 KiB`,
  );
  console.log(`fuzz: control units changed by their batch ${stats.controlsAffected} (target 0)`);
  console.log(`fuzz: finit-pods check failures ${stats.cliFailures} (target 0) in ${stats.cliRuns} runs`);
  console.log(`fuzz: sync failures ${stats.syncFailures} (target 0) in ${stats.syncRuns} runs (each twice)`);
  if (process.env.FUZZ_JSON === '1') console.log(JSON.stringify({ fuzz: summary, met }));
  process.exitCode = met ? 0 : 1;
}

/** After a hang: which unit files of the batch hang `finit-pods check FILE` on their own. */
function culprits(dir) {
  const out = [];
  for (const f of readdirSync(dir)) {
    if (!unitKindOf(f) || out.length >= 5) continue;
    const r = spawnSync(process.execPath, [join(DIST, 'cli/main.js'), 'check', join(dir, f)], {
      timeout: 10_000,
    });
    if (r.error?.code === 'ETIMEDOUT') {
      out.push({ file: f, bytes: statSync(join(dir, f)).size });
      copyFileSync(join(dir, f), join(dir, `${f}.HANGS`));
    }
  }
  return out;
}

if (process.env.FUZZ_ROLE === 'worker') await worker();
else await main();
