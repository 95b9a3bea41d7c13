// Who may publish a package name: the outputs map (feedstock → the output names its recipe
// declares), from every node of the aggregate's plans, extended by the config's `publish.owners`
// (a name a feedstock publishes without its recipe saying so, or a name moved between feedstocks).
// A package passes when the feedstock that built it owns its name; conda-forge's staging checks the
// same thing with its outputs map.

export class OutputsMap {
  private readonly byName = new Map<string, Set<string>>();
  private readonly configured = new Set<string>();

  /** `feedstock` declares these output names. */
  add(feedstock: string, names: Iterable<string>, fromConfig = false): void {
    for (const name of names) {
      let set = this.byName.get(name);
      if (!set) this.byName.set(name, (set = new Set()));
      set.add(feedstock);
      if (fromConfig) this.configured.add(`${feedstock}\0${name}`);
    }
  }

  /** The feedstocks that own `name`, sorted. */
  owners(name: string): string[] {
    return [...(this.byName.get(name) ?? [])].sort();
  }

  /** null when `feedstock` owns `name`; else why not, and what to do. */
  check(name: string, feedstock: string): string | null {
    const owners = this.owners(name);
    if (owners.includes(feedstock)) return null;
    const fix = `if ${feedstock} should publish it, add publish.owners: { '${feedstock}': ['${name}'] } to the config`;
    if (!owners.length) return `no feedstock declares an output named ${name} (the recipe of ${feedstock} does not list it); ${fix}`;
    return `${name} is owned by ${owners.join(', ')} (outputs map), not ${feedstock}; ${fix}`;
  }
}
