import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { Environment as NodeEnvironment } from 'minijinja-js';
import { Environment, minijinjaModule } from './minijinja.ts';

const minijinja = suite('minijinja');

minijinja("renders as minijinja-js's Node build does, from one module compiled once per thread", () => {
  const template = "{{ a ~ '-' ~ (1 + 1) }} {{ 'x.y'.split('.') }} {{ d.k }} {{ undefined_name.x }}|{{ [1, 2] | join(',') }}";
  const render = (env: Environment | NodeEnvironment) => {
    env.enablePyCompat();
    env.undefinedBehavior = 'chainable';
    return env.renderStr(template, { a: 'v', d: { k: 'yes' } });
  };
  assert.is(render(new Environment()), 'v-2 ["x", "y"] yes |1,2');
  assert.is(render(new Environment()), render(new NodeEnvironment()));
  assert.is(minijinjaModule(), minijinjaModule());
});

minijinja("a worker given this thread's module uses it (its compiled code shared), compiling none of its own", async () => {
  const code = `
    const { parentPort, workerData } = await import('node:worker_threads');
    const tsx = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))});
    tsx.register();
    const m = await import(${JSON.stringify(new URL('./minijinja.ts', import.meta.url).href)});
    parentPort.postMessage([m.minijinjaModule() === workerData.minijinja, new m.Environment().renderStr('{{ 6 * 7 }}', {})]);
  `;
  const worker = new Worker(`import(${JSON.stringify(`data:text/javascript,${encodeURIComponent(code)}`)})`, { eval: true, workerData: { minijinja: minijinjaModule() } });
  try {
    const reply = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    assert.equal(reply, [true, '42']);
  } finally {
    await worker.terminate();
  }
});

minijinja.run();
