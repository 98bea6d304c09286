// The manual page: tools/man.mjs (run by `npm run build`) turns docs/finit-pods.1.md into
// dist/finit-pods.1; it renders with groff (or man) without a single warning, and it covers every
// command `finit-pods --help` lists, with every option each command's --help names.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { commands, usage } from '../../src/cli/commands.js';
import { REPO_DIR } from '../helpers/testbed.js';

const PAGE = join(REPO_DIR, 'dist', 'finit-pods.1');
const which = (cmd: string) =>
  ['/usr/bin', '/bin', '/usr/local/bin'].map((d) => join(d, cmd)).find((p) => existsSync(p));

t.test('tools/man.mjs writes dist/finit-pods.1', async (t) => {
  const r = spawnSync(process.execPath, [join(REPO_DIR, 'tools', 'man.mjs')], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, SOURCE_DATE_EPOCH: '1767225600' },
  });
  t.equal(r.status, 0, `node tools/man.mjs exits 0 ${r.stderr}`);
  t.equal(r.stderr, '', 'and prints nothing on stderr');
  const src = readFileSync(PAGE, 'utf8');
  t.match(src.split('\n')[0], /^'\\" t$/, 'the first line asks man for tbl');
  t.match(src, /^\.TH FINIT-PODS 1 "2026-01-01" "finit-pods \d+\.\d+\.\d+" "User Commands"$/m, '.TH');
  t.notOk(
    [...src].some((c) => c.codePointAt(0)! > 0x7e),
    'ASCII only (non-ASCII as \\[uXXXX])',
  );
  const pkg = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
    man?: string[];
  };
  t.match(pkg.scripts.build, /node tools\/man\.mjs/, 'npm run build renders the page');
  t.match(pkg.scripts.prepack, /node tools\/man\.mjs/, 'npm pack renders the page first');
  t.same(pkg.man, ['dist/finit-pods.1'], 'package.json "man": npm installs the page');
});

t.test('the page renders without warnings and documents every command and option', async (t) => {
  const groff = which('groff');
  const man = which('man');
  if (!groff && !man) {
    t.comment('skipped: neither groff nor man is installed');
    return;
  }
  // groff: every warning enabled (-ww), tbl (-t); plain text (-P-cbou: no bold/underline codes)
  const r: { status: number | null; stdout: string; stderr: string } = groff
    ? spawnSync(groff, ['-t', '-man', '-Tutf8', '-ww', '-rcR=1', '-P-cbou', PAGE], {
        encoding: 'utf8',
        timeout: 30_000,
      })
    : spawnSync(man ?? 'man', ['--warnings=w', '-l', PAGE], {
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, MANWIDTH: '80', MAN_KEEP_FORMATTING: '0', MANPAGER: 'cat', PAGER: 'cat' },
      });
  t.equal(r.status, 0, `${groff ? 'groff' : 'man -l'} exits 0`);
  t.equal(r.stderr, '', `no warnings: ${r.stderr}`);
  let text = r.stdout; // without overstrikes (man may add them)
  for (let i = text.indexOf('\b'); i > 0; i = text.indexOf('\b'))
    text = text.slice(0, i - 1) + text.slice(i + 1);
  t.match(text, /^NAME\n\s+finit-pods - run Podman Quadlet container units under Finit$/m, 'NAME');
  for (const h of [
    'SYNOPSIS',
    'DESCRIPTION',
    'COMMANDS',
    'UNIT FILES',
    'EXIT STATUS',
    'FILES',
    'ENVIRONMENT',
  ])
    t.match(text, new RegExp(`^${h}$`, 'm'), `section ${h}`);

  const listed = [...(await usage()).matchAll(/^ {2}([a-z][a-z-]*) {2,}/gm)].map((m) => m[1]!);
  t.same(listed.sort(), [...commands.keys()].sort(), '--help lists every command');
  t.ok(listed.includes('import'), 'import is among them');
  for (const name of listed) {
    t.match(text, new RegExp(`^ {7}finit-pods ${name}\\b`, 'm'), `SYNOPSIS: finit-pods ${name}`);
    t.match(text, new RegExp(`^ {3}${name}\\b`, 'm'), `COMMANDS: a subsection for ${name}`);
    const opts = new Set(
      [...(await commands.get(name)!()).help.matchAll(/(?<![\w-])--[a-z][a-z-]+/g)].map((m) => m[0]),
    );
    for (const o of opts) t.match(text, new RegExp(`(^|[\\s[(])${o}\\b`, 'm'), `${name}: option ${o}`);
  }
  for (const f of [
    '/cfg/containers',
    '/etc/finit.d/enabled/pod-NAME.conf',
    '/etc/finit.d/enabled/pod-NAME.argv',
    'finit-pods-run',
    '/run/finit-pods/state.json',
    '/run/finit-pods/control.sock',
    '/run/finit-pods/booted',
  ])
    t.ok(text.includes(f), `FILES: ${f}`);
  const cli = join(REPO_DIR, 'src', 'cli');
  // the commands live in src/cli/commands/, the rest beside it
  const src = readdirSync(cli, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.c?ts$/.test(f))
    .map((f) => readFileSync(join(cli, f), 'utf8'))
    .join('\n');
  const vars = new Set([...src.matchAll(/FINIT_PODS_[A-Z_]+/g)].map((m) => m[0]));
  t.ok(vars.size >= 8, `environment variables in src/cli/: ${[...vars].join(' ')}`);
  for (const v of vars) t.match(text, new RegExp(`^ {7}${v}$`, 'm'), `ENVIRONMENT: ${v}`);
  for (const code of ['0', '1', '2'])
    t.match(text, new RegExp(`^ {7}${code} {6}\\S`, 'm'), `EXIT STATUS ${code}`);
});

t.test('the page renders without warnings wherever its tables fall', async (t) => {
  const groff = which('groff');
  if (!groff) {
    t.comment('skipped: groff is not installed');
    return;
  }
  const { render } = (await import(join(REPO_DIR, 'tools', 'man.mjs'))) as {
    render(md: string): string;
  };
  const md = readFileSync(join(REPO_DIR, 'docs', 'finit-pods.1.md'), 'utf8');
  const at = md.indexOf('\n## ', md.indexOf('## SYNOPSIS') + 1);
  const warned: string[] = [];
  // groff's "table text block will not fit on one page" came and went as edits moved a table:
  // a paragraph of 0 to 40 lines ahead of everything moves each table through a page's length
  for (let lines = 0; lines <= 40; lines++) {
    const filler = lines ? `\n${'filler text, as an edit would add. '.repeat(2 * lines)}\n` : '';
    const r = spawnSync(groff, ['-t', '-man', '-Tutf8', '-ww', '-rcR=1', '-P-cbou'], {
      input: render(md.slice(0, at) + filler + md.slice(at)),
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (r.status !== 0 || r.stderr !== '')
      warned.push(`${lines} lines more: ${r.stderr || `exit ${r.status}`}`);
  }
  t.same(warned, [], 'no warnings at any position');
});
