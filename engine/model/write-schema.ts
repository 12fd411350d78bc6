/** `npm run schema`: regenerates engine/model/scenario.schema.json from the validator. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { scenarioJsonSchema } from './json-schema.ts';

const out = fileURLToPath(new URL('./scenario.schema.json', import.meta.url));
writeFileSync(out, JSON.stringify(scenarioJsonSchema(), null, 2) + '\n');
console.log(`wrote ${out}`);
