// docs/units.md stays true to the code: its key tables are the translator's own (regenerate with
// `node tools/units-doc.mjs`), every key handled by name has a description, and every unit kind
// has its row.

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { DOC_TABLES, keyTable, undocumented, updateDoc } from '../../src/model/keydoc.js';
import {
  ARTIFACT_KEYS,
  BUILD_KEYS,
  CONTAINER_KEYS,
  IMAGE_KEYS,
  KUBE_KEYS,
  NETWORK_KEYS,
  POD_KEYS,
  VOLUME_KEYS,
} from '../../src/model/keys.js';
import { HOSTDEVICE_KEYS } from '../../src/model/resource.js';
import { UNIT_KINDS } from '../../src/parse/load.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const doc = readFileSync(join(root, 'docs/units.md'), 'utf8');

t.test('every key handled by name is described', async (t) => {
  for (const table of DOC_TABLES) t.same(undocumented(table), [], `[${table}]`);
});

t.test('the key tables in docs/units.md are current (node tools/units-doc.mjs)', async (t) => {
  t.equal(updateDoc(doc), doc);
  for (const table of DOC_TABLES) t.ok(doc.includes(keyTable(table)), `[${table}] table present`);
  const tables = [
    CONTAINER_KEYS,
    NETWORK_KEYS,
    VOLUME_KEYS,
    POD_KEYS,
    KUBE_KEYS,
    IMAGE_KEYS,
    BUILD_KEYS,
    ARTIFACT_KEYS,
  ];
  const keys = [...tables.flatMap((table) => [...table.keys()]), ...HOSTDEVICE_KEYS];
  for (const k of keys) t.ok(doc.includes(`| \`${k}=\` |`), `${k}= has a row`);
});

t.test('every unit kind has its row in the unit types table, and none is called unsupported', async (t) => {
  for (const k of UNIT_KINDS)
    t.ok(
      doc.split('\n').some((l) => l.startsWith(`| \`NAME.${k}\``)),
      `.${k} has a row`,
    );
  t.notMatch(doc, /not supported yet/, 'no kind is called unsupported');
});

t.test("the limits the doc states are the code's", async (t) => {
  const { FINIT_ID_MAX, FINIT_ID_MAX_OLD } = await import('../../src/render/finit.js');
  t.match(
    doc,
    new RegExp(`${FINIT_ID_MAX_OLD} characters on Finit 4\\.2–4\\.14, ${FINIT_ID_MAX} from Finit 4\\.15`),
  );
});
