#!/usr/bin/env node
// The installed `finit-pods` command (package.json "bin", and so finit.d/finit-pods.conf's
// daemon). It runs the whole command line as one script, dist/finit-pods.cjs (tools/bundle.mjs
// makes it from dist/cli/main.js), compiled from the V8 code cache beside it: a command then
// starts without loading ~20 modules and compiling their functions again. It pays at boot: the
// daemon starts the removal that pods wait for sooner (npm run bench shows boot with and
// without it). Node 22 has such a cache built in (module.enableCompileCache); Node 20 does not.
// V8 itself refuses a cache made by another Node, and the script is then compiled as usual.
// Without a bundle, or with one older than dist/cli/main.js (tsc ran since the last `npm run
// build`), the ES modules are loaded instead; the installed package (npm pack, tools/package.mjs)
// has the bundle and no ES modules. CommonJS, so that Node does not start its ES module loader
// for it.

import fs = require('node:fs');
import path = require('node:path');
import vm = require('node:vm');

const BUNDLE = path.join(__dirname, '..', 'finit-pods.cjs');
const CACHE = `${BUNDLE}.cache`;

function launch(): void {
  let source: string;
  try {
    const modules = fs.statSync(path.join(__dirname, 'main.js'), { throwIfNoEntry: false });
    if (modules && fs.statSync(BUNDLE).mtimeMs < modules.mtimeMs)
      throw new Error('the bundle is older than the modules');
    source = fs.readFileSync(BUNDLE, 'utf8');
  } catch {
    void import('./main.js');
    return;
  }
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(CACHE);
  } catch {
    // no cache: compiled as usual
  }
  // the same wrapper Node gives a CommonJS module, so the bundle's require and __dirname work
  // (it has no import(): tools/bundle.mjs turns them into require)
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    cachedData ? { filename: BUNDLE, cachedData } : { filename: BUNDLE },
  );
  const how = process.env.FINIT_PODS_CODE_CACHE;
  if (how === 'report')
    process.stderr.write(
      `code cache: ${!cachedData ? 'absent' : script.cachedDataRejected ? 'rejected' : 'accepted'}\n`,
    );
  if (how === 'write') {
    // tools/bundle.mjs: after a run that compiled what a command needs, that code is the cache
    process.on('exit', () => fs.writeFileSync(CACHE, script.createCachedData()));
  }
  const module = { exports: {} };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run(module.exports, require, module, BUNDLE, path.dirname(BUNDLE));
}

launch();
