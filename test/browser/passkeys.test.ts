import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  inPage,
  screenshots,
  signIn,
  signOut,
  startAuthenticatorSetup,
  submitPassword,
  useConsole,
  virtualAuthenticator,
  type Console,
  type VirtualCredential,
} from './harness.js';

/*
 * Passkeys from the console, with Chromium's virtual authenticator (DevTools protocol, WebAuthn
 * domain) in place of a fingerprint reader: registered from the account page, then used alone
 * (no username typed) and as the second step after the password; removed; and refused for
 * another account. The server's PUBLIC_URL is http://localhost:<port> (the RP ID is
 * "localhost"), and so is every page.
 */

const app = useConsole();

const passkeyList = (page: Page) => page.getByRole('list', { name: 'Passkeys' }).getByRole('listitem');

/** The focused element, as "tag:label or text". */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    const label = el?.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent : undefined;
    return `${el?.tagName.toLowerCase()}:${label ?? el?.textContent?.trim() ?? ''}`;
  });

/** The account page's passkey section. */
const passkeySection = (page: Page) => page.getByRole('region', { name: 'Passkeys' });

/** On the account page: adds a passkey named `name` from this page's authenticator (Enter in the password field submits). */
async function addPasskey(page: Page, name: string, password: string): Promise<void> {
  await page.getByLabel('Passkey name').fill(name);
  await passkeySection(page).getByLabel('Password', { exact: true }).fill(password);
  await passkeySection(page).getByLabel('Password', { exact: true }).press('Enter');
  await page.getByRole('status').filter({ hasText: `Passkey “${name}” added.` }).waitFor();
  await passkeyList(page).filter({ hasText: name }).waitFor();
}

/** A new account with one passkey, registered through the account page; its credential, as the authenticator holds it. */
async function userWithPasskey(app: Console, username: string): Promise<{ user: Awaited<ReturnType<Console['createUser']>>; credential: VirtualCredential }> {
  const user = await app.createUser(username);
  let credential: VirtualCredential | undefined;
  await inPage(app, async ({ page }) => {
    const authenticator = await virtualAuthenticator(page);
    await signIn(page, app, user);
    await addPasskey(page, `${username}'s laptop`, user.password);
    [credential] = await authenticator.credentials();
  });
  return { user, credential: credential! };
}

describe('the console: passkeys', () => {
  it('adds a passkey from the account page: a cancelled prompt says so, then the list shows it, and it can be renamed', async () => {
    const user = await app.createUser('pia');
    await inPage(app, async ({ page }) => {
      const authenticator = await virtualAuthenticator(page);
      await signIn(page, app, user);
      await page.getByRole('heading', { level: 2, name: 'Passkeys' }).waitFor();
      await page.getByText('No passkeys yet.').waitFor();

      // The person does not confirm (user verification fails): the browser answers NotAllowedError.
      await authenticator.cdp.send('WebAuthn.setUserVerified', { authenticatorId: authenticator.authenticatorId, isUserVerified: false });
      await passkeySection(page).getByLabel('Password', { exact: true }).fill(user.password);
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      const alert = page.getByRole('region', { name: 'Passkeys' }).getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/No passkey was added: .*cancelled or timed out\. Press “Add a passkey” again/);
      expect(await authenticator.credentials()).toEqual([]);

      await authenticator.cdp.send('WebAuthn.setUserVerified', { authenticatorId: authenticator.authenticatorId, isUserVerified: true });
      await addPasskey(page, 'Test laptop', user.password);
      expect(await alert.count()).toBe(0);
      const item = passkeyList(page).filter({ hasText: 'Test laptop' });
      expect(await item.textContent()).toMatch(/Added .* · last used never/);
      // A discoverable credential for this site, held by the authenticator.
      const credentials = await authenticator.credentials();
      expect(credentials).toHaveLength(1);
      expect(credentials[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
      expect(await page.getByText(/^No passkeys yet/).count()).toBe(0);

      await item.getByRole('button', { name: 'Rename Test laptop' }).click();
      await page.getByLabel('New name for Test laptop').fill('Work laptop');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('status').filter({ hasText: 'Passkey renamed to “Work laptop”.' }).waitFor();
      await passkeyList(page).filter({ hasText: 'Work laptop' }).waitFor();
      expect(await passkeyList(page).count()).toBe(1);
      await screenshots(page, 'account-passkeys');
    });
  });

  it('signs in with the passkey alone: no username typed, and the list then shows it used', async () => {
    const { user, credential } = await userWithPasskey(app, 'quinn');
    // Another browser, whose authenticator holds the same credential (as a synced passkey would).
    await inPage(app, async ({ page }) => {
      const authenticator = await virtualAuthenticator(page);
      await authenticator.addCredential(credential);
      await page.goto(`${app.url}/console/signin`);
      await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
      await screenshots(page, 'signin-passkey');
      expect(await page.getByLabel('Username').inputValue()).toBe('');
      // With the keyboard: the passkey button comes after the password form and its links.
      await page.getByRole('link', { name: 'Create an account' }).focus();
      await page.keyboard.press('Tab');
      expect(await focused(page)).toBe('button:Sign in with a passkey');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: 'Account' }).waitFor();
      expect(await page.getByText(user.email).first().isVisible()).toBe(true);
      const item = passkeyList(page).filter({ hasText: "quinn's laptop" });
      await item.waitFor();
      expect(await item.textContent()).not.toContain('last used never');
    });
  });

  it('asks for the passkey after the password when the account has one, and signs in with it', async () => {
    const { user, credential } = await userWithPasskey(app, 'rosa');
    await inPage(app, async ({ page }) => {
      const authenticator = await virtualAuthenticator(page);
      await authenticator.addCredential(credential);
      await submitPassword(page, app, user);
      // The passkey is the only second factor: its button comes first, and there is no code field.
      await page.getByRole('heading', { level: 1, name: 'Use your passkey' }).waitFor();
      expect(await page.getByLabel('Code').count()).toBe(0);
      await screenshots(page, 'signin-passkey-step');
      // Keyboard alone: focus starts at the heading, and the next stop is the button.
      expect(await focused(page)).toBe('h1:Use your passkey');
      await page.keyboard.press('Tab');
      expect(await focused(page)).toBe('button:Use a passkey');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: 'Account' }).waitFor();
      await page.getByText(user.email).first().waitFor();
    });
  });

  it('beside an authenticator app, offers "Use a passkey" next to the code field', async () => {
    const user = await app.createUser('tomas');
    await inPage(app, async ({ page }) => {
      await virtualAuthenticator(page);
      await signIn(page, app, user);
      const { authenticator } = await startAuthenticatorSetup(page);
      await page.getByLabel('Code').fill(authenticator.codeAt(Date.now()));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByText('The authenticator app is on.').waitFor();
      await addPasskey(page, 'Desk key', user.password);
      await signOut(page);
      await submitPassword(page, app, user);
      await page.getByRole('heading', { level: 1, name: 'Enter your code' }).waitFor();
      expect(await page.getByLabel('Code').isVisible()).toBe(true);
      await screenshots(page, 'signin-code-or-passkey');
      await page.getByRole('button', { name: 'Use a passkey' }).click();
      await page.getByRole('heading', { level: 1, name: 'Account' }).waitFor();
    });
  });

  it('removes the passkey, asked first; signing in with it then fails with a clear message', async () => {
    const user = await app.createUser('sami');
    await inPage(app, async ({ page }) => {
      const questions: string[] = [];
      page.on('dialog', (dialog) => questions.push(dialog.message()));
      const authenticator = await virtualAuthenticator(page);
      await signIn(page, app, user);
      await addPasskey(page, 'Old phone', user.password);
      await passkeyList(page).filter({ hasText: 'Old phone' }).getByRole('button', { name: 'Remove Old phone' }).click();
      await page.getByRole('status').filter({ hasText: 'Passkey “Old phone” removed.' }).waitFor();
      await page.getByText('No passkeys yet.').waitFor();
      expect(questions).toEqual(['Remove the passkey “Old phone”? You will no longer be able to sign in with it.']);
      // The browser still holds the credential; the server no longer accepts it.
      expect(await authenticator.credentials()).toHaveLength(1);

      // Signed in, the page's own call with the console's header is answered (the control for the 403 below).
      expect(await page.evaluate(async () => (await fetch('/api/users/me', { headers: { 'Token-Delivery': 'cookie' } })).status)).toBe(200);
      await signOut(page);
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toContain('The passkey could not be verified. Try again, or sign in another way.');
      expect(await page.getByRole('heading', { level: 1, name: 'Sign in' }).isVisible()).toBe(true);
      expect(await page.evaluate(async () => (await fetch('/api/users/me', { headers: { 'Token-Delivery': 'cookie' } })).status)).toBe(403);
      // Without a passkey the password alone signs in again: no second step.
      await signIn(page, app, user);
    });
  });

  it("refuses another account's passkey at the second step, and does not sign in", async () => {
    const first = await userWithPasskey(app, 'tess');
    const second = await userWithPasskey(app, 'umar');
    await inPage(app, async ({ page }) => {
      // This browser's authenticator holds only the first account's credential.
      const authenticator = await virtualAuthenticator(page);
      await authenticator.addCredential(first.credential);
      // A tampered client: the second account's challenge, with its allowCredentials dropped so the
      // authenticator signs it with the first account's credential. The server must refuse that.
      const tampered: string[] = [];
      await page.route('**/api/auth/passkey/options', async (route) => {
        const response = await route.fetch();
        const body = (await response.json()) as { options: { allowCredentials?: unknown[] } };
        tampered.push(JSON.stringify(body.options.allowCredentials ?? []));
        body.options.allowCredentials = [];
        await route.fulfill({ response, json: body });
      });
      await submitPassword(page, app, second.user);
      await page.getByRole('heading', { level: 1, name: 'Use your passkey' }).waitFor();
      await page.getByRole('button', { name: 'Use a passkey' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toContain('The passkey could not be verified.');
      // The server had asked for the second account's own credential, not the first's.
      expect(tampered).toHaveLength(1);
      expect(tampered[0]).toContain(second.credential.credentialId.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));
      expect(tampered[0]).not.toContain(first.credential.credentialId.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));
      // Not signed in: still at the passkey step, and the API sees no session.
      expect(await page.getByRole('heading', { level: 1, name: 'Use your passkey' }).isVisible()).toBe(true);
      expect(await page.evaluate(async () => (await fetch('/api/users/me', { headers: { 'Token-Delivery': 'cookie' } })).status)).toBe(403);
      expect((await page.context().cookies()).filter((c) => c.name.startsWith('tg_console'))).toEqual([]);
    });
  });
});
