// Wheels for a requirements.txt, published as a PEP 503 index: acme:wheel-builder (./index.ts, loaded
// by relative import) builds a wheel of each source folder aggregate/requirements.txt lists and puts
// them into the `wheels` label of the production channel, where pip installs them from:
//   pip install --index-url file://<workDir>/production/label/wheels/simple unit-conv
// WHEEL_PYTHON names the interpreter (with pip, setuptools and wheel) when `python3` is not it.
// See README.md and wheel-builder.test.ts.
import { defineConfig } from 'rebuild';
import { wheelBuilder } from './index.ts';

export default defineConfig({
  python: { from: '3.12', to: '3.13' },
  arches: ['linux-64'],
  aggregate: './aggregate',
  workDir: '.rebuild',
  publish: { label: 'wheels' },
  plugins: [wheelBuilder({ python: process.env.WHEEL_PYTHON ?? 'python3' })],
});
