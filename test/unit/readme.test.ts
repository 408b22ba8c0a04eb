import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findTable, README } from '../../scripts/config-table.js';
import { errorTable, findErrorTable } from '../../scripts/error-table.js';
import { configurationTable, settings } from '../../src/config/config.schema.js';
import { errorCatalog } from '../../src/lib/errors.js';

describe('the README', () => {
  it('lists exactly the settings of the schema, with their defaults and descriptions (npm run docs:config writes it)', () => {
    const readme = readFileSync(README, 'utf8');
    const { start, end } = findTable(readme);
    const table = readme.slice(start, end);
    const documented = [...table.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect(documented).toEqual(Object.keys(settings));
    expect(table).toBe(configurationTable());
  });
});

describe('the README error codes', () => {
  it('lists exactly the codes of the error catalog, with their statuses and messages (npm run docs:errors writes it)', () => {
    const readme = readFileSync(README, 'utf8');
    const { start, end } = findErrorTable(readme);
    const table = readme.slice(start, end);
    const documented = [...table.matchAll(/^\| `([A-Z0-9_]+)` \| (\d{3}) \|/gm)].map((m) => m[1]);
    expect(documented).toEqual(Object.keys(errorCatalog));
    expect(table).toBe(errorTable());
  });
});
