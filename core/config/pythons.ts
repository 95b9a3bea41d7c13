// `python.to` is one version or a list of them: the pythons a run rebuilds for, and how to name them.

/** The pythons to rebuild for, in the config's order: `to` as a list. */
export function targetPythons(python: { readonly to: string | readonly string[] }): string[] {
  return typeof python.to === 'string' ? [python.to] : [...python.to];
}

/** How titles name them: `3.13` for one, `3.13, 3.14` for several. */
export function pythonsLabel(python: { readonly to: string | readonly string[] }): string {
  return targetPythons(python).join(', ');
}
