import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.loader.js';

const STRONG = 'a-strong-secret-0123456789-abcdefghijklmnop';
const cwd = mkdtempSync(path.join(tmpdir(), 'tokengate-config-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env, cwd);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('has working defaults for development', () => {
    const { config, warnings } = loadConfig({ JWT_SECRET: STRONG }, cwd);
    expect(config.http.port).toBe(8080);
    expect(config.http.corsOrigins).toEqual(['http://localhost:8081']);
    expect(config.http.trustProxy).toBe(false);
    expect(config.tokens).toMatchObject({ issuer: 'tokengate', audience: 'tokengate', algorithm: 'HS256', accessTtlSeconds: 900 });
    expect(config.database.url).toBe(`sqlite:${path.join(cwd, 'data', 'tokengate.sqlite')}`);
    expect(config.signup.allowRoles).toBe(false);
    expect(warnings).toEqual([]);
    expect(Object.isFrozen(config.tokens)).toBe(true);
  });

  it('generates a development secret once, keeps it under the data folder, and warns', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tokengate-data-'));
    try {
      const first = loadConfig({ DATA_DIR: dataDir }, cwd);
      const second = loadConfig({ DATA_DIR: dataDir }, cwd);
      expect(first.config.tokens.secret).toHaveLength(64);
      expect(second.config.tokens.secret).toBe(first.config.tokens.secret);
      expect(readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8').trim()).toBe(first.config.tokens.secret);
      expect(first.warnings.join()).toMatch(/JWT_SECRET is not set/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('warns about a weak secret in development and refuses it in production', () => {
    expect(loadConfig({ JWT_SECRET: 'short' }, cwd).warnings.join()).toMatch(/shorter than 32 bytes/);
    expect(problems({ NODE_ENV: 'production', JWT_SECRET: 'short' }).join()).toMatch(/shorter than 32 bytes/);
    expect(problems({ NODE_ENV: 'production', JWT_SECRET: 'a'.repeat(40) }).join()).toMatch(/too few distinct/);
    expect(problems({ NODE_ENV: 'production', JWT_SECRET: STRONG })).toEqual([]);
  });

  it('parses durations, lists, booleans and proxy settings', () => {
    const { config } = loadConfig(
      {
        JWT_SECRET: STRONG,
        ACCESS_TOKEN_TTL: '5m',
        CORS_ORIGINS: 'http://localhost:8081, https://app.example.com',
        ALLOW_SIGNUP_ROLES: 'yes',
        TRUST_PROXY: '1',
      },
      cwd,
    );
    expect(config.tokens.accessTtlSeconds).toBe(300);
    expect(config.http.corsOrigins).toEqual(['http://localhost:8081', 'https://app.example.com']);
    expect(config.signup.allowRoles).toBe(true);
    expect(config.http.trustProxy).toBe(1);
    expect(loadConfig({ JWT_SECRET: STRONG, TRUST_PROXY: 'loopback, 10.0.0.0/8' }, cwd).config.http.trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
    ]);
  });

  it('names every invalid variable at once', () => {
    const found = problems({
      JWT_SECRET: STRONG,
      PORT: '99999',
      ALLOW_SIGNUP_ROLES: 'maybe',
      CORS_ORIGINS: 'localhost:8081/path',
      ACCESS_TOKEN_TTL: '10',
      LOG_LEVEL: 'loud',
      JWT_ALG: 'none',
    });
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual(
      ['ACCESS_TOKEN_TTL', 'ALLOW_SIGNUP_ROLES', 'CORS_ORIGINS', 'JWT_ALG', 'LOG_LEVEL', 'PORT'].sort(),
    );
  });
});
