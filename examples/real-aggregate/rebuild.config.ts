// A real-shaped aggregate (Anaconda's layout), planned with nothing but the python move, the arch and
// the aggregate: every feedstock must plan as checked out (see plan.test.ts).
import { defineConfig } from 'rebuild';

export default defineConfig({
  python: { from: '3.10', to: '3.11' },
  arches: ['linux-64'],
  aggregate: './aggregate',
});
