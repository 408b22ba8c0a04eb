import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { TEST_SECRET } from '../helpers/app.js';
import { startMailbox, type Mailbox } from '../helpers/mailbox.js';
import { freePort, ROOT, runCli, startServer, type ServerProcess } from '../helpers/processes.js';

/*
 * The console in a real browser: Debian's chromium driven by playwright-core (never a browser
 * downloaded by playwright), against a real Tokengate process (`node dist/main.js`) with its
 * own SQLite database and a real SMTP server in the test. Every page is watched: a console
 * error, an uncaught exception, a request to any other origin, or a 5xx answer fails the test.
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
  const url = `http://127.0.0.1:${port}`;
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
  await page.goto(`${app.url}/console/signin`);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (code) {
    await page.getByLabel('Code').fill(code());
    await page.getByRole('button', { name: 'Verify' }).click();
  }
  await page.getByRole('heading', { level: 1, name: 'Account' }).waitFor();
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
