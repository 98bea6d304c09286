// The notices of the packages the bundle carries (tools/bundle.mjs writes them to
// dist/finit-pods.licenses): chokidar and what it uses are copied into
// dist/finit-pods.cjs, and their licenses (MIT and the like) ask that their notices go with every
// copy, so the npm package and the Debian package ship this file.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The package directories (e.g. `node_modules/chokidar`, `node_modules/a/node_modules/@s/b`) that
 * bundled files come from, given esbuild's metafile input paths; sorted, each once.
 */
export function bundledPackageDirs(inputs) {
  const dirs = new Set();
  for (const input of inputs) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]);
  }
  return [...dirs].sort();
}

/** The notices file: for each bundled package, its name, version, license and license text. */
export function licensesText(root, inputs) {
  const parts = ['finit-pods bundles these packages into dist/finit-pods.cjs; their notices follow.\n'];
  for (const dir of bundledPackageDirs(inputs)) {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    const file = readdirSync(join(root, dir)).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    if (!file) throw new Error(`${dir}: no license file to carry with the bundle`);
    const text = readFileSync(join(root, dir, file), 'utf8').trimEnd();
    parts.push(`${'-'.repeat(78)}\n${pkg.name} ${pkg.version} (${pkg.license})\n\n${text}\n`);
  }
  return parts.join('\n');
}
