import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { TEST_SECRET } from '../helpers/app.js';
import { authenticatorFrom, readQrCode, type Authenticator } from '../helpers/authenticator.js';
import { startMailbox, type Mailbox } from '../helpers/mailbox.js';
import { freePort, ROOT, runCli, startServer, type ServerProcess } from '../helpers/processes.js';

/*
 * The console in a real browser: Debian's chromium driven by playwright-core (never a browser
 * downloaded by playwright), against a real Tokengate process (`node dist/main.js`) with its
 * own SQLite database and a real SMTP server in the test. Every page is watched: a console
 * error, an uncaught exception, a request to any other origin, or a 5xx answer fails the test.
 * The server's PUBLIC_URL and the pages use http://localhost:<port>, never 127.0.0.1: WebAuthn
 * needs a domain for its RP ID, and Chromium treats localhost as a secure context.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const APP_NAME = 'Acme ID';
export const SCREENSHOTS = path.join(ROOT, 'test-results/screenshots');

export interface Console {
  url: string;
  mailbox: Mailbox;
  server: ServerProcess;
  browser: Browser;
  /** Creates an account with roles through the CLI, as an operator does. */
  createUser(username: string, roles?: string[]): Promise<{ username: string; email: string; password: string }>;
  close(): Promise<void>;
}

export async function startConsole(env: Record<string, string> = {}): Promise<Console> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tokengate-browser-'));
  const mailbox = await startMailbox();
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const serverEnv = {
    NODE_ENV: 'test',
    AUTH_SECRET: TEST_SECRET,
    DATA_DIR: dataDir,
    DATABASE_URL: `sqlite:${path.join(dataDir, 'tokengate.sqlite')}`,
    PORT: String(port),
    PUBLIC_URL: url,
    SMTP_URL: mailbox.url,
    APP_NAME,
    RATE_LIMIT_IP: '1000000',
    RATE_LIMIT_IP_FAILURES: '1000000',
    ACCOUNT_THROTTLE_AFTER: '0',
    // startServer waits for the "listening on port" line, logged at info.
    LOG_LEVEL: 'info',
    ...env,
  };
  const server = await startServer({ env: serverEnv, cwd: dataDir });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    url,
    mailbox,
    server,
    browser,
    async createUser(username, roles = ['user']) {
      const email = `${username}@example.test`;
      const password = `pw-${username}-long-secret`;
      const result = await runCli(['users:create', '--username', username, '--email', email, '--role', ...roles, '--password', password], {
        env: serverEnv,
        cwd: dataDir,
      });
      if (result.code !== 0) throw new Error(`users:create failed: ${result.stderr}${result.stdout}`);
      return { username, email, password };
    },
    async close() {
      await browser.close();
      await server.stop();
      await mailbox.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One Tokengate and browser for the tests of a file or describe block: started in its
 * beforeAll, closed in its afterAll. Call it at the top of the file or block; use it in tests.
 */
export function useConsole(env: Record<string, string> = {}): Console {
  let started: Console | undefined;
  beforeAll(async () => {
    started = await startConsole(env);
  });
  afterAll(async () => {
    await started?.close();
  });
  const live = (): Console => {
    if (!started) throw new Error('the console starts in beforeAll: use it inside a test');
    return started;
  };
  return {
    get url() {
      return live().url;
    },
    get mailbox() {
      return live().mailbox;
    },
    get server() {
      return live().server;
    },
    get browser() {
      return live().browser;
    },
    createUser: (username, roles) => live().createUser(username, roles),
    close: () => live().close(),
  };
}

export interface Watched {
  context: BrowserContext;
  page: Page;
  /** Everything that went wrong on the page so far; `expectClean()` asserts there was nothing. */
  problems: string[];
  expectClean: () => void;
}

/**
 * A fresh browser context (its own cookies) with one page, watched. The browser logs each API
 * answer of 4xx as "Failed to load resource" at error level: those are answers the console shows
 * (a wrong password, a refused admin call) and are allowed when they come from /api/; every
 * other console error fails the test, and so does any 5xx.
 */
export async function openPage(app: Console, width = 1280): Promise<Watched> {
  const context = await app.browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  const origin = new URL(app.url).origin;
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const at = message.location().url;
    const expectedApiAnswer =
      /^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text()) && at.startsWith(`${origin}/api/`);
    if (!expectedApiAnswer) problems.push(`console error: ${message.text()} (${at})`);
  });
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith('data:')) problems.push(`external request: ${url}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 500) problems.push(`${response.status()} from ${response.url()}`);
    if (response.status() === 404 && !response.url().startsWith(`${origin}/api/`)) problems.push(`404 for ${response.url()}`);
  });
  page.on('dialog', (dialog) => void dialog.accept());
  return {
    context,
    page,
    problems,
    expectClean: () => expect(problems).toEqual([]),
  };
}

/**
 * Runs `body` in a fresh watched page (see openPage), then asserts that nothing went wrong on
 * it, and closes its context.
 */
export async function inPage(app: Console, body: (watched: Watched) => Promise<void>, width?: number): Promise<void> {
  const watched = await openPage(app, width);
  try {
    await body(watched);
    watched.expectClean();
  } finally {
    await watched.context.close();
  }
}

/** A screenshot of the page at desktop (1280 px) and phone (390 px) width, under test-results/screenshots. */
export async function screenshots(page: Page, name: string): Promise<void> {
  const viewport = page.viewportSize() ?? { width: 1280, height: 900 };
  for (const [label, width, height] of [['desktop', 1280, 900], ['phone', 390, 844]] as const) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${label}.png`), fullPage: true });
    // Nothing is wider than the screen: no sideways scrolling on a phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${name} at ${width} px scrolls sideways`).toBeLessThanOrEqual(0);
  }
  await page.setViewportSize(viewport);
}

/** Signs in through the form; for an account with a second factor, `code` answers the second step. */
export async function signIn(page: Page, app: Console, user: { username: string; password: string }, code?: () => string): Promise<void> {
  await submitPassword(page, app, user);
  if (code) {
    await page.getByLabel('Code').fill(code());
    await page.getByRole('button', { name: 'Verify' }).click();
  }
  await page.getByRole('heading', { level: 1, name: 'Account' }).waitFor();
}

/** Opens the sign-in page and submits the username and password; what follows is the caller's. */
export async function submitPassword(page: Page, app: Console, user: { username: string; password: string }): Promise<void> {
  await page.goto(`${app.url}/console/signin`);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Signs out with the button in the main navigation, and waits for the sign-in page. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
}

/** A password signin through the API itself, as any client does (no console cookies). */
export function signinThroughApi(app: Console, user: { username: string; password: string }): Promise<Response> {
  return fetch(`${app.url}/api/auth/signin`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: user.username, password: user.password }),
  });
}

/** On the account page: starts the authenticator app's set-up and reads its QR code. */
export async function startAuthenticatorSetup(page: Page): Promise<{ otpauth: string; authenticator: Authenticator }> {
  await page.getByRole('button', { name: 'Set up authenticator app' }).click();
  const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
  await qr.waitFor();
  const otpauth = readQrCode((await qr.getAttribute('src'))!);
  return { otpauth, authenticator: authenticatorFrom(otpauth) };
}

/** A credential as the DevTools protocol's WebAuthn domain describes it. */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

export interface VirtualAuthenticator {
  cdp: CDPSession;
  authenticatorId: string;
  /** The credentials it holds. */
  credentials(): Promise<VirtualCredential[]>;
  /** Puts a credential (e.g. another authenticator's) into it. */
  addCredential(credential: VirtualCredential): Promise<void>;
}

/**
 * A virtual authenticator for the page, through the Chrome DevTools protocol: a platform
 * authenticator (CTAP2, internal) with resident keys and user verification that says yes to
 * every prompt by itself, so the browser's passkey dialogs need no person.
 */
export async function virtualAuthenticator(page: Page): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    cdp,
    authenticatorId,
    async credentials() {
      return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
    },
    async addCredential(credential) {
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
    },
  };
}

/** Every JWT-shaped string the page's scripts can read: cookies, localStorage, sessionStorage. */
export async function readableTokens(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const texts = [document.cookie];
    for (const storage of [localStorage, sessionStorage]) {
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i) ?? '';
        texts.push(key, storage.getItem(key) ?? '');
      }
    }
    return texts.flatMap((text) => text.match(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g) ?? []);
  });
}
