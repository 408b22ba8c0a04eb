import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/processes.js';

/*
 * The console's budget (issue 20): under 100 KB of gzipped JavaScript for the sign-in page.
 * Every script the built page loads (entry and preloaded chunks) counts, gzipped at level 9 as
 * a server would send it. `npm test` builds first.
 */

const DIST = path.join(ROOT, 'dist/console');
const BUDGET_BYTES = 100 * 1024;

function scriptsOf(html: string): string[] {
  const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g), ...html.matchAll(/<link\b[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)];
  return scripts.map((m) => m[1]!);
}

describe('the console build', () => {
  it('loads under 100 KB of gzipped JavaScript on the sign-in page, and no inline script', () => {
    const index = path.join(DIST, 'index.html');
    if (!existsSync(index)) throw new Error(`${index} is missing: run "npm run build" first (npm test does).`);
    const html = readFileSync(index, 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const scripts = scriptsOf(html);
    expect(scripts.length).toBeGreaterThan(0);
    const gzipped = scripts.map((src) => gzipSync(readFileSync(path.join(DIST, src)), { level: 9 }).length);
    const total = gzipped.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(1000);
    expect(total, `${scripts.join(', ')}: ${total} bytes gzipped`).toBeLessThan(BUDGET_BYTES);
  });
});
