// Runs the shared cases (bindings/cases.json) and prints one canonical
// JSON line per case, like `supd call --cases`.
import { readFileSync } from 'node:fs';
import { load, canonical } from './host.mjs';

const cases = JSON.parse(readFileSync(process.argv[2] ?? '../cases.json', 'utf8'));
const provider = await load();
for (const c of cases) {
  console.log(canonical({ name: c.name, result: provider.call(c.function, c.args) }));
}
