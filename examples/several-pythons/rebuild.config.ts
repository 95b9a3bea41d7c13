// The root README's "Several pythons at once": every package of ./aggregate built for python 3.13
// and 3.14 on linux-64, each planned and built separately, reported side by side.
//   npx rebuild run --config examples/several-pythons/rebuild.config.ts
import { defineConfig } from 'rebuild';

export default defineConfig({
  python: { from: '3.12', to: ['3.13', '3.14'] },
  arches: ['linux-64'],
  aggregate: './aggregate',
  bootstrap: { python: false },  // the example's python needs no pip: no bootstrap chain
});
