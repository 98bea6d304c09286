#!/usr/bin/env node
// Rewrites the key tables of docs/units.md from the translator's own key tables
// (src/model/keydoc.ts, built into dist/). `--check`: exit 1 when the doc is out of date.
// test/unit/docs.test.ts runs the same comparison.
import { readFileSync, writeFileSync } from 'node:fs';

const docPath = new URL('../docs/units.md', import.meta.url);
const { updateDoc } = await import(new URL('../dist/model/keydoc.js', import.meta.url).href);
const doc = readFileSync(docPath, 'utf8');
const next = updateDoc(doc);
if (process.argv.includes('--check')) {
  if (next !== doc) {
    console.log('docs/units.md: the key tables are out of date; run node tools/units-doc.mjs');
    process.exit(1);
  }
  console.log('docs/units.md: key tables up to date');
} else if (next !== doc) {
  writeFileSync(docPath, next);
  console.log(`docs/units.md: key tables rewritten`);
} else console.log('docs/units.md: key tables already up to date');
