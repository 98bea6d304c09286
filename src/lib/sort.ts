// In-place insertion sort for the short arrays of a unit (a handful of keys or file names):
// unlike Array.prototype.sort it allocates nothing, which matters when a thousand units are
// translated by code that is not yet optimised. Stable; the default order is the same as
// Array.prototype.sort's for strings (UTF-16 code units).

const byCodeUnits = <T>(a: T, b: T): number => (a < b ? -1 : a > b ? 1 : 0);

export function sortSmall<T>(a: T[], cmp: (x: T, y: T) => number = byCodeUnits): T[] {
  for (let i = 1; i < a.length; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= 0 && cmp(a[j]!, v) > 0) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
  return a;
}
