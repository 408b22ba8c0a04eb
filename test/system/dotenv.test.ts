import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startServer } from '../helpers/processes.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function folderWithDotEnv(lines: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tokengate-dotenv-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, '.env'), `${lines.join('\n')}\n`);
  return dir;
}

describe('.env in the working folder', () => {
  it('is read by the CLI: its DATABASE_URL is the database migrated', async () => {
    const cwd = folderWithDotEnv(['# a comment', 'DATABASE_URL=sqlite:./from-dotenv.sqlite', 'AUTH_SECRET="oA+z9ZQ6yjziRElWky+shsbcY3226Hb+qjfg8JFp4vVK3a+lA29W0oTSKZAkfs4g"']);
    const result = await runCli(['migrate'], { cwd, env: {} });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/applied\s+0001-tutorial-schema/);
    expect(existsSync(path.join(cwd, 'from-dotenv.sqlite'))).toBe(true);
    // AUTH_SECRET came from the file too: no warning about a generated development secret.
    expect(result.stderr).not.toMatch(/AUTH_SECRET/);
  });

  it('loses to a variable already set in the environment', async () => {
    const cwd = folderWithDotEnv(['DATABASE_URL=sqlite:./from-dotenv.sqlite']);
    const result = await runCli(['migrate'], { cwd, env: { DATABASE_URL: 'sqlite:./from-environment.sqlite' } });
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(path.join(cwd, 'from-environment.sqlite'))).toBe(true);
    expect(existsSync(path.join(cwd, 'from-dotenv.sqlite'))).toBe(false);
  });

  it('is read by the server, which says so', async () => {
    const cwd = folderWithDotEnv(['APP_NAME=Dotenv Gate', 'DATA_DIR=./dotenv-data', 'DOCS_ENABLED=false']);
    const server = await startServer({ cwd, env: {} });
    try {
      expect(server.output()).toMatch(/settings read from .*\.env/);
      expect(existsSync(path.join(cwd, 'dotenv-data'))).toBe(true);
      expect((await fetch(`${server.url}/api/docs`)).status).toBe(404);
      expect((await fetch(`${server.url}/api/openapi.json`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('without one, nothing changes', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'tokengate-no-dotenv-'));
    dirs.push(cwd);
    const result = await runCli(['migrate'], { cwd, env: { DATABASE_URL: 'sqlite:./plain.sqlite' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/settings read from/);
  });
});
