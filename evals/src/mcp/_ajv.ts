import fs from 'node:fs';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
for (const f of ['/tmp/mcpsize-list.json', '/tmp/mcpsize-list3.json', '/tmp/mcpsize-list.json', '/tmp/mcpsize-list3.json']) {
  const { tools } = JSON.parse(fs.readFileSync(f, 'utf8'));
  const ms: number[] = [];
  for (let i = 0; i < 6; i++) {
    const v = new AjvJsonSchemaValidator();
    const t0 = performance.now();
    for (const t of tools) if (t.outputSchema) v.getValidator(t.outputSchema);
    ms.push(Math.round(performance.now() - t0));
  }
  console.log(f, ms.join(' '));
}
