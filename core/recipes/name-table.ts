// Strings numbered in the order they are first seen, after those of an earlier table: the memos
// (run-exports, edges) store numbers and one table, and a re-plan numbers new strings after the
// old ones so the old numbers stay valid.

export class NameTable {
  /** Every string, at its number. */
  readonly names: string[];
  private index: Map<string, number> | undefined;

  constructor(earlier: readonly string[] = []) {
    this.names = [...earlier];
  }

  /** The number of `name`, given the next one when it is new. */
  id(name: string): number {
    this.index ??= new Map(this.names.map((n, i) => [n, i]));
    let id = this.index.get(name);
    if (id === undefined) this.index.set(name, (id = this.names.push(name) - 1));
    return id;
  }
}
