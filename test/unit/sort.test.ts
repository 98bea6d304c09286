// sortSmall (src/lib/sort.ts): same order as Array.prototype.sort, stable, in place.

import t from 'tap';
import { sortSmall } from '../../src/lib/sort.js';

t.test('sortSmall orders like Array.prototype.sort', async (t) => {
  const cases = [
    [],
    ['a'],
    ['b', 'a'],
    ['PATH', 'A', 'a', 'Z', '_x', 'é', 'B', 'A'],
    ['10', '9', '1', '100'],
  ];
  for (const c of cases) t.same(sortSmall([...c]), [...c].sort(), JSON.stringify(c));
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % 50;
  };
  for (let n = 0; n < 30; n++) {
    const a = Array.from({ length: n }, () => `k${rnd()}`);
    t.same(sortSmall([...a]), [...a].sort(), `random ${n}`);
  }
});

t.test('stable with a comparator, in place', async (t) => {
  const a = [
    { line: 3, v: 'a' },
    { line: 1, v: 'b' },
    { line: 3, v: 'c' },
    { line: 2, v: 'd' },
    { line: 1, v: 'e' },
  ];
  const r = sortSmall(a, (x, y) => x.line - y.line);
  t.equal(r, a, 'returns the same array');
  t.same(
    a.map((x) => x.v),
    ['b', 'e', 'd', 'a', 'c'],
  );
});
