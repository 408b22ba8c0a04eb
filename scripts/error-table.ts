// Writes the README's error-code table from the error catalog in src/lib/errors.ts
// (test/unit/readme.test.ts fails when the two differ). Usage: npm run docs:errors
import { readFileSync, writeFileSync } from 'node:fs';
import { errorCatalog } from '../src/lib/errors.js';
import { README } from './config-table.js';

const HEADER = '| Code | Status | Message (the default; many routes say more) |';

/** The table: one row per code of the catalog, in its order. */
export function errorTable(): string {
  const rows = Object.entries(errorCatalog).map(
    ([code, { status, message }]) => `| \`${code}\` | ${status} | ${message.replaceAll('|', '\\|')} |`,
  );
  return [HEADER, '|---|---|---|', ...rows].join('\n');
}

/** The README's error-code table: from its header row to the first line that is not a row. */
export function findErrorTable(readme: string): { start: number; end: number } {
  const start = readme.indexOf(HEADER);
  if (start === -1) throw new Error('README.md has no error-code table');
  const rest = readme.slice(start);
  const end = rest.search(/\n(?!\|)/);
  return { start, end: end === -1 ? readme.length : start + end };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const readme = readFileSync(README, 'utf8');
  const { start, end } = findErrorTable(readme);
  writeFileSync(README, `${readme.slice(0, start)}${errorTable()}${readme.slice(end)}`);
}
