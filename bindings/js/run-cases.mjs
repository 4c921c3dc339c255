// Runs the shared cases (bindings/cases.json) and prints one canonical
// JSON line per case, like `supd call --cases`.
import { readFileSync } from 'node:fs';
import { load, canonical } from './host.mjs';

const cases = JSON.parse(readFileSync(process.argv[2] ?? '../cases.json', 'utf8'));
const components = { provider: await load('supervisord'), 'node-script': await load('node-script') };
for (const c of cases) {
  const component = components[c.component ?? 'provider'];
  console.log(canonical({ name: c.name, result: component.call(c.function, c.args) }));
}
