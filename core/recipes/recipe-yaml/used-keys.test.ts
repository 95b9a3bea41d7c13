import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { expressionNames, ignoredVariantKeys, recipeUsedKeys } from './used-keys.ts';

const used = suite('recipeUsedKeys');

const KEYS = ['python', 'numpy', 'c_compiler', 'c_compiler_version', 'cxx_compiler', 'blas_impl', 'cuda', 'openssl', 'zlib', 'mpi', 'libpng'];

used('reads expressions, conditions, skip, unpinned requirement names, compiler() and pin_compatible()', () => {
  const recipe = {
    context: { tag: '${{ blas_impl }}-x' },
    build: { skip: ['cuda == "no"'] },
    requirements: {
      build: ["${{ compiler('c') }}"],
      host: ['python', 'openssl >=3', { if: 'mpi != "nompi"', then: 'zlib' }],
      run: ["${{ pin_compatible('numpy') }}"],
    },
    about: { summary: 'links libpng statically' },
  };
  assert.equal([...recipeUsedKeys(recipe, KEYS)].sort(), ['blas_impl', 'c_compiler', 'c_compiler_version', 'cuda', 'mpi', 'numpy', 'python', 'zlib']);
});

used('build.variant.use_keys adds a key, ignore_keys removes one (also from outputs)', () => {
  const recipe = {
    requirements: { host: ['python', 'numpy'] },
    outputs: [{ package: { name: 'a' }, build: { variant: { use_keys: ['openssl'], ignore_keys: ['numpy'] } } }],
  };
  assert.equal([...recipeUsedKeys(recipe, KEYS)].sort(), ['openssl', 'python']);
  assert.equal([...ignoredVariantKeys(recipe)], ['numpy']);
});

used('expressionNames skips string literals and attributes', () => {
  assert.equal(expressionNames("version.split('.') + name ~ 'python'"), ['version', 'name']);
});

used.run();
