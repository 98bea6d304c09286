// `finit-pods check` inside each stack's sandbox (FINIT_PODS_STACKS), its Finit as PID 1: the
// installed command over a units directory prints its summary and each problem as FILE:LINE.
// Needs a build (dist/): `npx tsc -p tsconfig.json`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { type ExecResult, REPO_DIR, stacksFromEnv, Testbed } from '../helpers/testbed.js';

const CLI = path.join(REPO_DIR, 'dist', 'cli', 'launch.cjs');
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);

const DIR = '/tmp/many';
const UNITS = 70;
/** Every seventh unit has an error. */
const BAD = Math.ceil(UNITS / 7);

/** `node CLI check DIR` inside the sandbox. */
function check(tb: Testbed): Promise<ExecResult> {
  return tb.exec(['node', CLI, 'check', DIR], { reject: false, timeout: 120_000 });
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
          [ $((i % 11)) -eq 0 ] && printf 'Notify=healthy\\n'
          [ $((i % 7)) -eq 0 ] && printf 'Imgae=typo\\n'; } > ${DIR}/u$i.container
        i=$((i + 1)); done`,
    );

    const r = await check(tb);
    t.equal(r.exitCode, 1, 'some units have errors: exit 1');
    // (the sandbox's exec strips the last newline of each output)
    t.equal(r.stdout, `${UNITS - BAD} of ${UNITS} units usable`, 'the summary');
    t.match(
      r.stderr,
      /^\/tmp\/many\/u0\.container:4: warning: \[Container\] Notify=healthy without a health check finit-pods runs/m,
    );
    t.match(r.stderr, /^\/tmp\/many\/u7\.container:4: error: unsupported key Imgae=/m);
  });
}
