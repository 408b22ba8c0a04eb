// Writes the README's configuration table from the settings in src/config/config.schema.ts
// (test/unit/readme.test.ts fails when the two differ). Usage: npm run docs:config
import { readFileSync, writeFileSync } from 'node:fs';
import { configurationTable } from '../src/config/config.schema.js';

export const README = new URL('../README.md', import.meta.url);

/** The README's configuration table: from its header row to the first line that is not a row. */
export function findTable(readme: string): { start: number; end: number } {
  const start = readme.indexOf('| Variable | Default | Meaning |');
  if (start === -1) throw new Error('README.md has no configuration table');
  const rest = readme.slice(start);
  const end = start + (rest.search(/\n(?!\|)/) === -1 ? rest.length : rest.search(/\n(?!\|)/));
  return { start, end };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const readme = readFileSync(README, 'utf8');
  const { start, end } = findTable(readme);
  writeFileSync(README, `${readme.slice(0, start)}${configurationTable()}${readme.slice(end)}`);
}
