// Ordering of ids in plans: by UTF-16 code unit, like Array.prototype.sort's default. The same for
// every locale and much cheaper than localeCompare, which plans of 25,000 nodes feel.
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
