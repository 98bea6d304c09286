// `finit-pods check` inside each stack's sandbox (FINIT_PODS_STACKS), its Finit as PID 1: a
// directory large enough to be shared with a helper process prints what one process prints,
// and the helper itself runs there (its own /tmp, its own process namespace). That the command
// takes the helper's units, whenever it has some, is test/unit/check-dir.test.ts's (there it
// waits for them; here how many there are depends on the machine, and is only shown).
// Needs a build (dist/): `npx tsc -p tsconfig.json`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { type ExecResult, REPO_DIR, stacksFromEnv, Testbed } from '../helpers/testbed.js';

const CLI = path.join(REPO_DIR, 'dist', 'cli', 'launch.cjs');
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);

const DIR = '/tmp/many';
const UNITS = 700;
// (the sandbox's exec strips the last newline of each output)
const REPORT = /^\/tmp\/many: (\d+) units, (\d+) of them translated by a helper process$/m;

/** `env VARS… node CLI check DIR` inside the sandbox. */
function check(tb: Testbed, vars: string[]): Promise<ExecResult> {
  return tb.exec(['env', ...vars, 'node', CLI, 'check', DIR], { reject: false, timeout: 120_000 });
}

t.jobs = 2;
const NAME = `check-${process.pid}`;

for (const stack of stacksFromEnv()) {
  t.test(stack, async (t) => {
    const tb = await Testbed.boot({ stack, name: NAME });
    t.teardown(() => tb.destroy());

    // usable units, one with a warning in every eleventh, an error in every seventh
    await tb.sh(
      `mkdir -p ${DIR} && i=0; while [ $i -lt ${UNITS} ]; do
        { printf '[Container]\\nImage=localhost/busybox:%s\\nExec=sh -c "echo %s; sleep 1"\\n' $i $i
          [ $((i % 11)) -eq 0 ] && printf 'Notify=true\\n'
          [ $((i % 7)) -eq 0 ] && printf 'Imgae=typo\\n'; } > ${DIR}/u$i.container
        i=$((i + 1)); done`,
    );

    const one = await check(tb, ['FINIT_PODS_CHECK_JOBS=1', 'FINIT_PODS_CHECK_REPORT=1']);
    t.equal(one.exitCode, 1, 'some units have errors: exit 1');
    t.equal(one.stdout, `${UNITS - 100} of ${UNITS} units usable`, 'one process: the summary');
    t.match(one.stderr, /^\/tmp\/many\/u0\.container:4: warning: \[Container\] Notify= has no effect/m);
    t.match(one.stderr, /^\/tmp\/many\/u7\.container:4: error: unsupported key Imgae=/m);
    t.match(one.stderr, REPORT, 'one process: the report');
    t.equal(REPORT.exec(one.stderr)?.[2], '0', 'one process: no helper');

    const two = await check(tb, ['FINIT_PODS_CHECK_JOBS=2', 'FINIT_PODS_CHECK_REPORT=1']);
    t.equal(two.exitCode, one.exitCode, 'two processes: the same exit status');
    t.equal(two.stdout, one.stdout, 'two processes: the same summary');
    t.equal(two.stderr.replace(REPORT, ''), one.stderr.replace(REPORT, ''), 'the same diagnostics, in order');
    t.match(two.stderr, REPORT, 'two processes: the report');
    t.comment(`the helper translated ${REPORT.exec(two.stderr)?.[2]} of ${UNITS} units`);

    // the helper, as the command starts it: a line per unit, from the last one down
    const helper = await check(tb, ['FINIT_PODS_CHECK_HELPER=1']);
    t.equal(helper.exitCode, 0, 'the helper runs in the sandbox');
    const lines = helper.stdout.trimEnd().split('\n');
    t.equal(lines[0], `units\t${UNITS}`, 'it lists the directory');
    t.equal(lines.length, UNITS + 1, 'and reports every unit');
    // by name, u99.container is the last unit and u0.container the first
    t.match(lines[1], /^699\t1\t\[".*u99\.container:4: warning: .*Notify=.*"\]$/, 'the last unit first');
    t.match(
      lines.at(-1),
      /^0\t0\t\[".*u0\.container:5: error: .*Imgae=.*",".*u0\.container:4: warning: .*Notify=.*"\]$/,
      'the first unit last, with its error and warning',
    );
  });
}
