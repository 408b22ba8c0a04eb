import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.loader.js';

// Made with `openssl rand -base64 48`, as the README advises.
const STRONG = 'TShAL9gocT8peOy7c88cK7+FIsMgQOprcFv/G21PukfExxR6iDvgt4Yz0mtPUNaz';
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
    const { config, warnings } = loadConfig({ AUTH_SECRET: STRONG }, cwd);
    expect(config.http.port).toBe(8080);
    expect(config.http.corsOrigins).toEqual(['http://localhost:8081']);
    expect(config.http.trustProxy).toBe(false);
    expect(config.tokens).toMatchObject({
      issuer: 'tokengate',
      audience: 'tokengate',
      algorithm: 'ES256',
      accessTtlSeconds: 900,
      keyEncryptionSecret: STRONG,
      secret: undefined,
      keyRotationSeconds: 0,
    });
    expect(config.sessions).toEqual({
      refreshTtlSeconds: 7 * 86400,
      maxAgeSeconds: 30 * 86400,
      rotation: true,
      reuseIntervalSeconds: 10,
      maxPerUser: 50,
      revocationPollSeconds: 1,
      cookies: false,
    });
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
      expect(first.config.tokens.keyEncryptionSecret).toHaveLength(64);
      expect(second.config.tokens.keyEncryptionSecret).toBe(first.config.tokens.keyEncryptionSecret);
      expect(readFileSync(path.join(dataDir, 'auth-secret'), 'utf8').trim()).toBe(first.config.tokens.keyEncryptionSecret);
      expect(first.warnings.join()).toMatch(/AUTH_SECRET is not set/);

      const shared = loadConfig({ DATA_DIR: dataDir, JWT_ALG: 'HS256' }, cwd);
      expect(shared.config.tokens.secret).toHaveLength(64);
      expect(shared.config.tokens.keyEncryptionSecret).toBeUndefined();
      expect(readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8').trim()).toBe(shared.config.tokens.secret);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('warns about a weak secret in development and refuses it in production', () => {
    expect(loadConfig({ AUTH_SECRET: 'short' }, cwd).warnings.join()).toMatch(/AUTH_SECRET is shorter than 32 bytes/);
    expect(problems({ NODE_ENV: 'production', AUTH_SECRET: 'short' }).join()).toMatch(/shorter than 32 bytes/);
    expect(problems({ NODE_ENV: 'production', AUTH_SECRET: 'a'.repeat(40) }).join()).toMatch(/guessable/);
    expect(problems({ NODE_ENV: 'production', JWT_ALG: 'HS256', JWT_SECRET: 'short' }).join()).toMatch(
      /JWT_SECRET is shorter/,
    );
    expect(problems({ NODE_ENV: 'production', AUTH_SECRET: STRONG })).toEqual([]);
    expect(problems({ NODE_ENV: 'production', JWT_ALG: 'HS256', JWT_SECRET: STRONG })).toEqual([]);
  });

  it('refuses guessable secrets in production: repeated patterns and dictionary words, however long', () => {
    for (const [name, env] of [
      ['AUTH_SECRET', { AUTH_SECRET: '12345678123456781234567812345678' }],
      ['JWT_SECRET', { JWT_ALG: 'HS256', JWT_SECRET: 'changeme-changeme-changeme-changeme' }],
      ['AUTH_SECRET', { AUTH_SECRET: 'passwordpasswordpasswordpassword12' }],
    ] as const) {
      const found = problems({ NODE_ENV: 'production', ...env }).join();
      expect(found).toMatch(new RegExp(`${name} is guessable: .* about \\d+ bits of strength, and at least 128 are needed`));
      expect(found).toMatch(/openssl rand -base64 48/);
    }
    expect(problems({ NODE_ENV: 'production', AUTH_SECRET: STRONG })).toEqual([]);
  });

  it('refuses TRUST_PROXY=true in production, pointing to a hop count or an address list', () => {
    const found = problems({ NODE_ENV: 'production', AUTH_SECRET: STRONG, TRUST_PROXY: 'true' }).join();
    expect(found).toMatch(/TRUST_PROXY: .*number of proxies .*\(e\.g\. 1\).*addresses/);
    expect(problems({ NODE_ENV: 'production', AUTH_SECRET: STRONG, TRUST_PROXY: '1' })).toEqual([]);
    expect(problems({ NODE_ENV: 'production', AUTH_SECRET: STRONG, TRUST_PROXY: 'loopback, 10.0.0.0/8' })).toEqual([]);
    expect(loadConfig({ AUTH_SECRET: STRONG, TRUST_PROXY: 'true' }, cwd).config.http.trustProxy).toBe(true);
  });

  it('says that JWT_SECRET is ignored with an asymmetric algorithm', () => {
    expect(loadConfig({ AUTH_SECRET: STRONG, JWT_SECRET: STRONG }, cwd).warnings.join()).toMatch(/JWT_SECRET is ignored/);
  });

  it('seals second-factor secrets with AUTH_SECRET, or with JWT_SECRET (and a warning) under HS256 without one', () => {
    const OTHER = 'mlHwZRpXr9QfpPfP4w9UrbcsFZ8U9fKXwwRAp/LzD6V4hPndWPyYacgZfioW6X+g';
    expect(loadConfig({ AUTH_SECRET: STRONG }, cwd).config.serverSecret).toBe(STRONG);
    const shared = loadConfig({ JWT_ALG: 'HS256', JWT_SECRET: OTHER }, cwd);
    expect(shared.config.serverSecret).toBe(OTHER);
    expect(shared.warnings.join()).toMatch(/sealed with JWT_SECRET/);
    const both = loadConfig({ JWT_ALG: 'HS256', JWT_SECRET: OTHER, AUTH_SECRET: STRONG }, cwd);
    expect(both.config.serverSecret).toBe(STRONG);
    expect(both.config.tokens).toMatchObject({ secret: OTHER, keyEncryptionSecret: undefined });
    expect(both.warnings).toEqual([]);
    // With HS256, a weak AUTH_SECRET is refused in production too, since it seals those secrets.
    expect(problems({ NODE_ENV: 'production', JWT_ALG: 'HS256', JWT_SECRET: OTHER, AUTH_SECRET: 'short' }).join()).toMatch(
      /AUTH_SECRET is shorter/,
    );
  });

  it('reads MFA_REQUIRED_ROLES as a list of role names', () => {
    expect(loadConfig({ AUTH_SECRET: STRONG }, cwd).config.mfa.requiredRoles).toEqual([]);
    expect(loadConfig({ AUTH_SECRET: STRONG, MFA_REQUIRED_ROLES: 'admin, Billing,' }, cwd).config.mfa.requiredRoles).toEqual([
      'admin',
      'billing',
    ]);
    expect(problems({ AUTH_SECRET: STRONG, MFA_REQUIRED_ROLES: 'admin,not a role' }).join()).toMatch(/^MFA_REQUIRED_ROLES: /);
  });

  it('parses durations, lists, booleans and proxy settings', () => {
    const { config } = loadConfig(
      {
        AUTH_SECRET: STRONG,
        ACCESS_TOKEN_TTL: '5m',
        KEY_ROTATION_INTERVAL: '90d',
        CORS_ORIGINS: 'http://localhost:8081, https://app.example.com',
        ALLOW_SIGNUP_ROLES: 'yes',
        REFRESH_TOKEN_ROTATION: 'false',
        TRUST_PROXY: '1',
      },
      cwd,
    );
    expect(config.tokens.accessTtlSeconds).toBe(300);
    expect(config.tokens.keyRotationSeconds).toBe(90 * 86400);
    expect(config.http.corsOrigins).toEqual(['http://localhost:8081', 'https://app.example.com']);
    expect(config.signup.allowRoles).toBe(true);
    expect(config.sessions.rotation).toBe(false);
    expect(config.http.trustProxy).toBe(1);
    expect(loadConfig({ AUTH_SECRET: STRONG, TRUST_PROXY: 'loopback, 10.0.0.0/8' }, cwd).config.http.trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
    ]);
  });

  it('names every invalid variable at once', () => {
    const found = problems({
      AUTH_SECRET: STRONG,
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

  it('mail: defaults from PUBLIC_URL and PORT; production without SMTP_URL warns, and refuses EMAIL_VERIFICATION=required', () => {
    const { config } = loadConfig({ AUTH_SECRET: STRONG, PORT: '3000', APP_NAME: 'Acme' }, cwd);
    expect(config.mail).toMatchObject({
      publicUrl: 'http://localhost:3000',
      from: 'Acme <no-reply@localhost>',
      verification: 'optional',
      links: {
        verifyEmail: 'http://localhost:3000/console/verify-email?token={token}',
        resetPassword: 'http://localhost:3000/console/reset-password?token={token}',
      },
      verifyTtlSeconds: 86400,
      resetTtlSeconds: 3600,
      fileDir: path.join(cwd, 'data', 'mail'),
      logLinks: true,
    });
    const hosted = loadConfig({ AUTH_SECRET: STRONG, PUBLIC_URL: 'https://auth.example.com/', SMTP_URL: 'smtps://u:p@smtp.example.com:465' }, cwd);
    expect(hosted.config.mail).toMatchObject({ publicUrl: 'https://auth.example.com', logLinks: false });
    expect(hosted.config.mail.links.resetPassword).toBe('https://auth.example.com/console/reset-password?token={token}');

    const production = { NODE_ENV: 'production', AUTH_SECRET: STRONG };
    expect(loadConfig(production, cwd).warnings.join()).toMatch(/SMTP_URL is not set/);
    expect(problems({ ...production, EMAIL_VERIFICATION: 'required' }).join()).toMatch(/^SMTP_URL: required when NODE_ENV=production/);
    expect(problems({ ...production, EMAIL_VERIFICATION: 'required', SMTP_URL: 'smtp://smtp.example.com:587' })).toEqual([]);
    expect(loadConfig({ ...production, SMTP_URL: 'smtp://smtp.example.com:587' }, cwd).warnings).toEqual([
      expect.stringMatching(/^METRICS_TOKEN is not set: GET \/metrics is open/),
    ]);
    expect(loadConfig({ ...production, SMTP_URL: 'smtp://smtp.example.com:587', METRICS_TOKEN: 'a-metrics-token-of-16+' }, cwd).warnings).toEqual([]);
    expect(loadConfig({ SMTP_URL: 'smtp://smtp.example.com:587', AUTH_SECRET: STRONG }, cwd).warnings).toEqual([]);
  });

  it('mail: refuses a link template without {token}, a bad SMTP_URL and an unknown EMAIL_VERIFICATION', () => {
    const found = problems({
      AUTH_SECRET: STRONG,
      RESET_PASSWORD_URL: 'https://app.example.com/reset',
      SMTP_URL: 'mail.example.com',
      EMAIL_VERIFICATION: 'sometimes',
      PUBLIC_URL: 'auth.example.com',
    });
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual(['EMAIL_VERIFICATION', 'PUBLIC_URL', 'RESET_PASSWORD_URL', 'SMTP_URL']);
    expect(found.join()).toMatch(/must contain \{token\}/);
  });
});

describe('passkey settings', () => {
  it('default to the host and origin of PUBLIC_URL, and to APP_NAME', () => {
    expect(loadConfig({ AUTH_SECRET: STRONG }, cwd).config.webauthn).toEqual({ id: 'localhost', name: 'Tokengate', origins: ['http://localhost:8080'] });
    const behindProxy = loadConfig({ AUTH_SECRET: STRONG, PUBLIC_URL: 'https://Auth.Example.com/auth', APP_NAME: 'Example' }, cwd);
    expect(behindProxy.config.webauthn).toEqual({ id: 'auth.example.com', name: 'Example', origins: ['https://auth.example.com'] });
    expect(behindProxy.warnings.join()).not.toMatch(/Passkey/);
  });

  it('take a parent domain as RP ID and several origins on it', () => {
    const { config } = loadConfig(
      {
        AUTH_SECRET: STRONG,
        WEBAUTHN_RP_ID: 'example.com',
        WEBAUTHN_RP_NAME: 'Example login',
        WEBAUTHN_ORIGINS: 'https://auth.example.com, https://example.com:8443',
      },
      cwd,
    );
    expect(config.webauthn).toEqual({ id: 'example.com', name: 'Example login', origins: ['https://auth.example.com', 'https://example.com:8443'] });
  });

  it('refuse an RP ID that is an IP address or a URL, and origins off its domain', () => {
    for (const id of ['192.168.1.10', 'https://example.com', 'example.com:443', '::1', '']) {
      expect(problems({ AUTH_SECRET: STRONG, WEBAUTHN_RP_ID: id }).join()).toMatch(/^WEBAUTHN_RP_ID: must be a domain name/);
    }
    expect(problems({ AUTH_SECRET: STRONG, WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://example.org' }).join()).toMatch(
      /WEBAUTHN_ORIGINS: https:\/\/example.org is not on the domain of the RP ID example.com/,
    );
    expect(problems({ AUTH_SECRET: STRONG, WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://notexample.com' })).toHaveLength(1);
    expect(problems({ AUTH_SECRET: STRONG, WEBAUTHN_ORIGINS: 'https://example.com/path' }).join()).toMatch(/^WEBAUTHN_ORIGINS: must be a list of origins/);
  });

  it('warn when PUBLIC_URL is an IP address or plain http off localhost: passkeys cannot work there', () => {
    expect(loadConfig({ AUTH_SECRET: STRONG, PUBLIC_URL: 'http://10.0.0.5:8080' }, cwd).warnings.join()).toMatch(/Passkeys cannot work.*IP address/);
    expect(loadConfig({ AUTH_SECRET: STRONG, PUBLIC_URL: 'http://auth.example.com' }, cwd).warnings.join()).toMatch(/Passkeys need https/);
  });
});
