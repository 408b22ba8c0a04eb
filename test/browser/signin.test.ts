import { describe, expect, it } from 'vitest';
import { APP_NAME, inPage, openPage, readableTokens, screenshots, signIn, signOut, submitPassword, useConsole } from './harness.js';

/* Signing up, in (by mouse and by keyboard alone) and out; sessions; the forgotten password. */

const app = useConsole();

describe('the console: accounts', () => {
  it('signs up a new account, then signs it in; APP_NAME titles the page', async () => {
    await inPage(app, async ({ page }) => {
      await page.goto(`${app.url}/console/`);
      await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
      expect(await page.title()).toBe(`Sign in · ${APP_NAME}`);
      await expect(page.getByRole('link', { name: APP_NAME }).isVisible()).resolves.toBe(true);
      await screenshots(page, 'signin');
      await page.getByRole('link', { name: 'Create an account' }).click();
      await page.getByRole('heading', { level: 1, name: 'Create an account' }).waitFor();
      await page.getByLabel('Username').fill('dora');
      await page.getByLabel('Email').fill('dora@example.test');
      await page.getByLabel('Password').fill('password');
      await page.getByRole('button', { name: 'Sign up' }).click();
      // The API's own message, shown on the page: a common password is refused.
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toMatch(/password/i);
      await screenshots(page, 'signup');
      await page.getByLabel('Password').fill('correct horse battery staple');
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.getByRole('heading', { level: 1, name: 'Account created' }).waitFor();
      await signIn(page, app, { username: 'dora', password: 'correct horse battery staple' });
      expect(await page.getByText('dora@example.test').first().isVisible()).toBe(true);
      await screenshots(page, 'account');
    });
  });

  it('a wrong password says so, and no JWT is readable from the page after a signin', async () => {
    const user = await app.createUser('erin');
    await inPage(app, async ({ page, context }) => {
      await submitPassword(page, app, { username: user.username, password: 'not the password' });
      expect(await page.getByRole('alert').textContent()).toContain('Invalid username or password.');
      await signIn(page, app, user);
      expect(await readableTokens(page)).toEqual([]);
      expect(await page.evaluate(() => document.cookie)).toBe('');
      // The tokens exist, in httpOnly cookies only the browser sends.
      const cookies = await context.cookies();
      const access = cookies.find((c) => c.name === 'tg_console_access');
      expect(access?.value).toMatch(/^eyJ/);
      expect(access).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api' });
      expect(cookies.find((c) => c.name === 'tg_console_refresh')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/auth' });
    });
  });

  it('signs in with the keyboard alone: focus starts at the heading, then Username, Password, Sign in', async () => {
    const user = await app.createUser('finn');
    await inPage(app, async ({ page }) => {
      await page.goto(`${app.url}/console/signin`);
      await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
      const focused = () => page.evaluate(() => {
        const el = document.activeElement;
        const label = el?.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent : undefined;
        return `${el?.tagName.toLowerCase()}:${label ?? el?.textContent?.trim() ?? ''}`;
      });
      expect(await focused()).toBe('h1:Sign in');
      await page.keyboard.press('Tab');
      expect(await focused()).toBe('input:Username');
      await page.keyboard.type(user.username);
      await page.keyboard.press('Tab');
      expect(await focused()).toBe('input:Password');
      await page.keyboard.type(user.password);
      await page.keyboard.press('Tab');
      expect(await focused()).toBe('button:Sign in');
      await page.keyboard.press('Tab');
      expect(await focused()).toBe('a:Forgot password?');
      await page.keyboard.press('Tab');
      expect(await focused()).toBe('a:Create an account');
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Shift+Tab');
      expect(await focused()).toBe('button:Sign in');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: 'Account' }).waitFor();
      // Focus moved to the new page's heading.
      expect(await focused()).toBe('h1:Account');
    });
  });

  it('lists the sessions with this one marked, ends another one, and signs out', async () => {
    const user = await app.createUser('gwen');
    const laptop = await openPage(app);
    const phone = await openPage(app, 390);
    await signIn(phone.page, app, user);
    await signIn(laptop.page, app, user);
    const sessions = laptop.page.getByRole('list', { name: 'Sessions' }).getByRole('listitem');
    await expect.poll(() => sessions.count()).toBe(2);
    expect(await sessions.filter({ hasText: 'This session' }).count()).toBe(1);
    await screenshots(laptop.page, 'account-sessions');
    await sessions.filter({ hasText: 'Another session' }).getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => sessions.count()).toBe(1);
    // The other browser's session is over: it is back at the sign-in page.
    await phone.page.goto(`${app.url}/console/account`);
    await phone.page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();

    await signOut(laptop.page);
    expect((await laptop.context.cookies()).filter((c) => c.name.startsWith('tg_console'))).toEqual([]);
    await laptop.page.goto(`${app.url}/console/account`);
    await laptop.page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    laptop.expectClean();
    phone.expectClean();
    await laptop.context.close();
    await phone.context.close();
  });

  it('resets a forgotten password through the mail the SMTP server received', async () => {
    const user = await app.createUser('hana');
    await inPage(app, async ({ page }) => {
      await page.goto(`${app.url}/console/signin`);
      await page.getByRole('link', { name: 'Forgot password?' }).click();
      await page.getByRole('heading', { level: 1, name: 'Forgot password' }).waitFor();
      await screenshots(page, 'forgot-password');
      await page.getByLabel('Email').fill(user.email);
      await page.getByRole('button', { name: 'Send reset link' }).click();
      await page.getByRole('status').filter({ hasText: 'reset link is on its way' }).waitFor();
      const mail = await app.mailbox.next(user.email);
      const link = mail.links.find((l) => l.includes('/console/reset-password?token='));
      expect(link?.startsWith(`${app.url}/console/reset-password?token=`)).toBe(true);
      await page.goto(link!);
      await page.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
      await screenshots(page, 'reset-password');
      await page.getByLabel('New password').fill('a fresh and long passphrase');
      await page.getByRole('button', { name: 'Reset password' }).click();
      await page.getByRole('status').filter({ hasText: 'Your password is changed' }).waitFor();
      // The link works once.
      await page.goto(link!);
      await page.getByLabel('New password').fill('another long passphrase');
      await page.getByRole('button', { name: 'Reset password' }).click();
      expect(await page.getByRole('alert').textContent()).toMatch(/invalid, used or expired/);
      await signIn(page, app, { username: user.username, password: 'a fresh and long passphrase' });
    });
  });

  it('changes the email through the link mailed to the new address, and the password', async () => {
    const user = await app.createUser('ines');
    await inPage(app, async ({ page }) => {
      await signIn(page, app, user);
      await page.getByLabel('New email').fill('ines.new@example.test');
      await page.getByRole('button', { name: 'Change email' }).click();
      await page.getByRole('status').filter({ hasText: /ines\.new@example\.test|link/ }).waitFor();
      const mail = await app.mailbox.next('ines.new@example.test');
      const link = mail.links.find((l) => l.includes('/console/verify-email?token='));
      expect(link?.startsWith(`${app.url}/console/verify-email?token=`)).toBe(true);
      await page.goto(link!);
      await page.getByRole('status').filter({ hasText: 'ines.new@example.test is verified.' }).waitFor();
      await page.getByRole('link', { name: 'Account' }).click();
      await page.getByText('ines.new@example.test (verified)').waitFor();

      await page.getByLabel('Current password').fill(user.password);
      await page.getByLabel('New password').fill('an entirely new passphrase');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByRole('status').filter({ hasText: 'Password changed.' }).waitFor();
      await signOut(page);
      await signIn(page, app, { username: user.username, password: 'an entirely new passphrase' });
    });
  });

  it('the verification landing page says what to do with a bad link', async () => {
    await inPage(app, async ({ page }) => {
      await page.goto(`${app.url}/console/verify-email?token=not-a-real-token`);
      await page.getByRole('heading', { level: 1, name: 'Verify your email' }).waitFor();
      expect(await page.getByRole('alert').textContent()).toMatch(/Ask for a new one/);
      await screenshots(page, 'verify-email');
    });
  });

  it('the page watch itself sees console errors, uncaught exceptions and attempts to reach other origins', async () => {
    const { page, context, problems } = await openPage(app);
    await page.goto(`${app.url}/console/signin`);
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await page.evaluate(() => {
      // eslint-disable-next-line no-console -- the point: an error the watch must see
      console.error('boom');
      setTimeout(() => {
        throw new Error('uncaught');
      });
      const img = document.createElement('img');
      img.src = 'http://192.0.2.1/tracker.png';
      document.body.append(img);
    });
    await expect.poll(() => problems.some((p) => p.startsWith('page error'))).toBe(true);
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringContaining('console error: boom'), expect.stringContaining('page error: uncaught'), expect.stringContaining('192.0.2.1')]),
    );
    await context.close();
  });
});

describe('the console with EMAIL_VERIFICATION=required', () => {
  const strict = useConsole({ EMAIL_VERIFICATION: 'required' });

  it('signs up, is told to verify, has the link sent again, verifies through it, then signs in', async () => {
    await inPage(strict, async ({ page }) => {
      await page.goto(`${strict.url}/console/signup`);
      await page.getByLabel('Username').fill('vera');
      await page.getByLabel('Email').fill('vera@example.test');
      await page.getByLabel('Password').fill('correct horse battery staple');
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.getByRole('heading', { level: 1, name: 'Account created' }).waitFor();
      await strict.mailbox.next('vera@example.test');

      await submitPassword(page, strict, { username: 'vera', password: 'correct horse battery staple' });
      expect(await page.getByRole('alert').textContent()).toContain('Please verify your email address first.');
      await page.getByRole('textbox', { name: 'Email' }).fill('vera@example.test');
      await page.getByRole('button', { name: 'Send the link again' }).click();
      await page.getByRole('status').waitFor();
      const again = await strict.mailbox.next('vera@example.test');
      const link = again.links.find((l) => l.includes('/console/verify-email?token='));
      await page.goto(link!);
      await page.getByRole('status').filter({ hasText: 'vera@example.test is verified.' }).waitFor();
      await signIn(page, strict, { username: 'vera', password: 'correct horse battery staple' });
    });
  });
});
