// The tree is lint- and format-clean: `biome check src test tools` reports nothing, not even a
// warning (biome exits 0 on warnings, so --error-on-warnings and the printed summary are checked);
// the tests type-check as strictly as src/ (tsconfig.test.json: tap runs them unchecked); and
// shellcheck finds nothing in the runner (as POSIX sh: Finit starts it with /bin/sh) or the tools.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const local = join(root, 'node_modules/.bin/biome');

t.test('biome check src test tools: no findings', async (t) => {
  const [cmd, args] = existsSync(local)
    ? [local, ['check', '--error-on-warnings', 'src', 'test', 'tools']]
    : ['npx', ['biome', 'check', '--error-on-warnings', 'src', 'test', 'tools']];
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 120_000 });
  const out = `${r.stdout}${r.stderr}`;
  t.equal(r.status, 0, `biome exit status\n${out}`);
  t.notMatch(out, /Found \d+ (error|warning|info)/, 'no errors, warnings or infos');
  t.match(out, /Checked \d+ files?/, 'biome ran over the files');
});

t.test('tsc -p tsconfig.test.json: src and test type-check', async (t) => {
  const tsc = join(root, 'node_modules/.bin/tsc');
  const r = spawnSync(tsc, ['-p', 'tsconfig.test.json'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  t.equal(r.status, 0, `tsc exit status\n${r.stdout}${r.stderr}`);
  t.equal(`${r.stdout}${r.stderr}`.trim(), '', 'no errors');
});

t.test('shellcheck: the runner as POSIX sh, the bash tools as bash', async (t) => {
  const tools = readdirSync(join(root, 'tools'))
    .filter((f) => f.endsWith('.sh') || f === 'testbed')
    .map((f) => `tools/${f}`);
  t.ok(tools.includes('tools/testbed') && tools.includes('tools/setup.sh'), 'the tools are found');
  for (const args of [['-s', 'sh', 'src/render/finit-pods-run.sh'], tools]) {
    const r = spawnSync('shellcheck', args, { cwd: root, encoding: 'utf8', timeout: 120_000 });
    if (r.error) {
      t.fail(`shellcheck cannot run (${r.error.message}); tools/setup.sh installs it`);
      continue;
    }
    t.equal(r.status, 0, `shellcheck ${args.join(' ')}\n${r.stdout}${r.stderr}`);
    t.equal(`${r.stdout}${r.stderr}`, '', 'no findings');
  }
});
