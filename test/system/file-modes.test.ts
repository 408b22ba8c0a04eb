import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/processes.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const mode = (file: string) => statSync(file).mode & 0o777;

describe('the data folder and its files', () => {
  it('are readable by their owner only: the folder 0700, the database, its WAL and the secret 0600', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'tokengate-modes-'));
    dirs.push(cwd);
    // A data folder left readable by everyone (umask 022) is narrowed too.
    mkdirSync(path.join(cwd, 'data'), { mode: 0o755 });
    chmodSync(path.join(cwd, 'data'), 0o755);
    const server = await startServer({ cwd, env: {} });
    try {
      expect(mode(path.join(cwd, 'data'))).toBe(0o700);
      for (const file of ['tokengate.sqlite', 'tokengate.sqlite-wal', 'auth-secret']) expect(mode(path.join(cwd, 'data', file))).toBe(0o600);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
  });
});
