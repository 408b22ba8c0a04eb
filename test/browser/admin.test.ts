import { describe, expect, it } from 'vitest';
import { inPage, screenshots, signIn, signinThroughApi, signOut, startAuthenticatorSetup, submitPassword, useConsole } from './harness.js';

/* The authenticator app set up from the page and used to sign in; administration; a non-admin refused. */

const app = useConsole();

describe('the console: second factor', () => {
  it('sets the authenticator app up from its QR code, shows recovery codes, then signs in with a code', async () => {
    const user = await app.createUser('ivan');
    await inPage(app, async ({ page }) => {
      await signIn(page, app, user);
      const { otpauth, authenticator } = await startAuthenticatorSetup(page);
      // The secret to type by hand is the one in the QR code.
      expect(new URL(otpauth).searchParams.get('secret')).toBe(await page.locator('code.secret').textContent());
      await screenshots(page, 'authenticator-setup');
      await page.getByLabel('Code').fill(authenticator.codeAt(Date.now()));
      await page.getByRole('button', { name: 'Verify' }).click();
      const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
      await expect.poll(() => codes.count()).toBe(10);
      await page.getByText('The authenticator app is on.').waitFor();

      await signOut(page);
      await submitPassword(page, app, user);
      await page.getByRole('heading', { level: 1, name: 'Enter your code' }).waitFor();
      await screenshots(page, 'signin-code');
      // A wrong code says so; the next step's code (the current one was used to confirm) signs in.
      await page.getByLabel('Code').fill('000000' === authenticator.codeAt(Date.now(), 1) ? '111111' : '000000');
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('alert').waitFor();
      await page.getByLabel('Code').fill(authenticator.codeAt(Date.now(), 1));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('heading', { level: 1, name: 'Account' }).waitFor();
    });
  });
});

describe('the console: administration', () => {
  it('an admin searches users, disables one, and reads it in the audit log', async () => {
    const admin = await app.createUser('root_admin', ['admin']);
    for (const name of ['carol_one', 'carol_two', 'dave']) await app.createUser(name);
    await inPage(app, async ({ page }) => {
      await signIn(page, app, admin);
      await page.getByRole('link', { name: 'Users' }).click();
      await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
      await page.getByLabel('Search').fill('carol');
      await page.getByRole('button', { name: 'Search' }).click();
      const rows = page.locator('tbody tr');
      await expect.poll(() => rows.count()).toBe(2);
      expect(await rows.allTextContents()).toEqual([expect.stringContaining('carol_one'), expect.stringContaining('carol_two')]);
      // Sorting by username, descending.
      await page.getByRole('button', { name: 'Username' }).click();
      await expect.poll(async () => (await rows.first().textContent()) ?? '').toContain('carol_two');
      await screenshots(page, 'admin-users');

      await page.getByRole('link', { name: 'carol_two' }).click();
      await page.getByRole('heading', { level: 1, name: 'User carol_two' }).waitFor();
      await page.getByRole('button', { name: 'Disable' }).click();
      await page.getByRole('status').filter({ hasText: 'Disabled.' }).waitFor();
      await page.getByRole('button', { name: 'Enable' }).waitFor();
      await screenshots(page, 'admin-user');
      // Disabled: the account cannot sign in.
      const signin = await signinThroughApi(app, { username: 'carol_two', password: 'pw-carol_two-long-secret' });
      expect(signin.status).toBe(401);

      await page.getByRole('link', { name: 'Audit log' }).click();
      await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
      await page.getByLabel('Event type').fill('admin.');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.locator('tbody tr').filter({ hasText: 'carol_two' }).filter({ hasText: 'admin.user_updated' }).first().waitFor();
      await screenshots(page, 'admin-audit');
      // On a phone each event is a card of named lines: every column of a row, Actor included, on screen.
      await page.setViewportSize({ width: 390, height: 844 });
      const cells = await page.locator('tbody tr').first().locator('td').evaluateAll((tds) =>
        tds.map((td) => ({ label: td.dataset.label, right: td.getBoundingClientRect().right, before: getComputedStyle(td, '::before').content })),
      );
      expect(cells.map((c) => c.label)).toEqual(['When', 'Event', 'Actor', 'Target', 'Address']);
      for (const cell of cells) {
        expect(cell.right, `${cell.label} fits a 390 px screen`).toBeLessThanOrEqual(390);
        expect(cell.before).toBe(`"${cell.label}: "`);
      }
      await page.setViewportSize({ width: 1280, height: 900 });

      await page.getByRole('link', { name: 'Roles' }).click();
      await page.getByRole('heading', { level: 1, name: 'Roles' }).waitFor();
      await page.getByLabel('Name').fill('editor');
      await page.getByRole('button', { name: 'Create role' }).click();
      await page.getByRole('button', { name: 'Delete editor' }).waitFor();
      await screenshots(page, 'admin-roles');
      await page.getByRole('button', { name: 'Delete editor' }).click();
      await expect.poll(() => page.getByRole('cell', { name: 'editor', exact: true }).count()).toBe(0);
    });
  });

  it("an admin changes a user's roles, ends their sessions, resets their second factors, and deletes them, asked first each time", async () => {
    const admin = await app.createUser('other_admin', ['admin']);
    const target = await app.createUser('ursula');
    await inPage(app, async ({ page }) => {
      const questions: string[] = [];
      page.on('dialog', (dialog) => questions.push(dialog.message()));
      await signIn(page, app, admin);
      await page.getByRole('link', { name: 'Users' }).click();
      await page.getByLabel('Search').fill('ursula');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('link', { name: 'ursula' }).click();
      await page.getByRole('heading', { level: 1, name: 'User ursula' }).waitFor();
      await page.getByRole('checkbox', { name: 'moderator' }).check();
      await page.getByRole('button', { name: 'Save roles' }).click();
      await page.getByRole('status').filter({ hasText: 'Roles saved.' }).waitFor();
      const me = await signinThroughApi(app, target);
      expect(((await me.json()) as { roles: string[] }).roles).toContain('ROLE_MODERATOR');
      await page.getByRole('button', { name: 'End sessions' }).click();
      await page.getByRole('status').filter({ hasText: 'Sessions ended.' }).waitFor();
      await page.getByRole('button', { name: 'Reset second factors' }).click();
      await page.getByRole('status').filter({ hasText: 'Second factors removed.' }).waitFor();
      await page.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
      const gone = await signinThroughApi(app, target);
      expect(gone.status).toBe(401);
      expect(questions).toEqual([
        'End every session of ursula?',
        'Remove every second factor of ursula?',
        'Delete ursula for good?',
      ]);
    });
  });

  it('pages through the users, 20 a page', async () => {
    const admin = await app.createUser('paging_admin', ['admin']);
    const names = Array.from({ length: 23 }, (_, i) => `pager${String(i).padStart(2, '0')}`);
    for (const username of names) {
      const res = await fetch(`${app.url}/api/auth/signup`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username, email: `${username}@example.test`, password: `pw-${username}-long-secret` }),
      });
      expect(res.status).toBe(200);
    }
    await inPage(app, async ({ page }) => {
      await signIn(page, app, admin);
      await page.getByRole('link', { name: 'Users' }).click();
      await page.getByLabel('Search').fill('pager');
      await page.getByRole('button', { name: 'Search' }).click();
      const rows = page.locator('tbody tr');
      // The unfiltered list has two pages too: wait for the search's answer, not just a pager.
      await rows.first().filter({ hasText: 'pager00' }).waitFor();
      await page.getByText('Page 1 of 2').waitFor();
      expect(await rows.count()).toBe(20);
      await page.getByRole('button', { name: 'Next page' }).click();
      await page.getByText('Page 2 of 2').waitFor();
      expect((await rows.allTextContents()).map((t) => /pager\d\d/.exec(t)?.[0])).toEqual(['pager20', 'pager21', 'pager22']);
      expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
      await page.getByRole('button', { name: 'Previous page' }).click();
      await page.getByText('Page 1 of 2').waitFor();
    });
  });

  it('a non-admin sees no admin links, and the API refuses the admin pages (403), which the page shows', async () => {
    const user = await app.createUser('plain_user');
    await inPage(app, async ({ page }) => {
      await signIn(page, app, user);
      const nav = page.getByRole('navigation', { name: 'Main' });
      expect(await nav.getByRole('link', { name: 'Users' }).count()).toBe(0);
      for (const path of ['admin/users', 'admin/audit', 'admin/roles']) {
        await page.goto(`${app.url}/console/${path}`);
        const alert = page.getByRole('alert');
        await alert.waitFor();
        expect(await alert.textContent()).toContain('administrators only');
      }
      await screenshots(page, 'admin-refused');
      // The refusal is the API's, not the page's: the same call from the page's own scripts.
      expect(await page.evaluate(async () => (await fetch('/api/admin/users')).status)).toBe(403);
    });
  });
});

describe('the console with MFA_REQUIRED_ROLES=admin', () => {
  const strict = useConsole({ MFA_REQUIRED_ROLES: 'admin' });

  it('guides an admin without a second factor to set one up; with it, the admin pages open', async () => {
    const admin = await strict.createUser('mfa_admin', ['admin']);
    await inPage(strict, async ({ page }) => {
      await signIn(page, strict, admin);
      await page.getByRole('link', { name: 'Users' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toContain('Open Account to set up the authenticator app');

      await page.getByRole('link', { name: 'Account' }).click();
      const { authenticator } = await startAuthenticatorSetup(page);
      await page.getByLabel('Code').fill(authenticator.codeAt(Date.now()));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByText('The authenticator app is on.').waitFor();
      await signOut(page);
      await signIn(page, strict, admin, () => authenticator.codeAt(Date.now(), 1));
      await page.getByRole('link', { name: 'Users' }).click();
      await page.getByRole('cell', { name: 'mfa_admin', exact: true }).waitFor();
    });
  });
});
