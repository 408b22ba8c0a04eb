/*
 * Passkeys in the browser: the API's options go to the browser's own prompt
 * (@simplewebauthn/browser), and what the authenticator answers goes back to the API. The
 * browser's refusals become a Problem that says what happened and what to do.
 */
import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { api } from './api';
import { Problem } from './ui';

export interface Passkey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

interface Challenge<T> {
  options: T;
  challengeId: string;
}

/** Loaded when a passkey is first used: the sign-in page's first paint does not wait for it. */
const webauthn = () => import('@simplewebauthn/browser');

/** Creates a passkey on this device for the signed-in account, and registers it (the API asks for the password first). */
export async function addPasskey(name: string, password: string): Promise<Passkey> {
  const { startRegistration, browserSupportsWebAuthn } = await webauthn();
  if (!browserSupportsWebAuthn()) throw unsupported();
  const { options, challengeId } = await api<Challenge<PublicKeyCredentialCreationOptionsJSON>>('POST', 'api/users/me/passkeys/options', { password });
  const response = await startRegistration({ optionsJSON: options }).catch((error: unknown) => {
    throw explainBrowserError(error, 'register');
  });
  return api<Passkey>('POST', 'api/users/me/passkeys', { challengeId, response, ...(name.trim() ? { name: name.trim() } : {}) });
}

/**
 * Asks the browser for a passkey's signature over a fresh challenge. `body` picks the challenge:
 * `{}` for any passkey of this site (discoverable), `{mfaToken}` for the second step of a signin.
 */
export async function passkeyAssertion(body: { mfaToken?: string }): Promise<{ challengeId: string; response: AuthenticationResponseJSON }> {
  const { startAuthentication, browserSupportsWebAuthn } = await webauthn();
  if (!browserSupportsWebAuthn()) throw unsupported();
  const { options, challengeId } = await api<Challenge<PublicKeyCredentialRequestOptionsJSON>>('POST', 'api/auth/passkey/options', body);
  const response = await startAuthentication({ optionsJSON: options }).catch((error: unknown) => {
    throw explainBrowserError(error, 'sign-in');
  });
  return { challengeId, response };
}

const unsupported = () => new Problem('This browser does not support passkeys. Use a current browser, or sign in with your password.');

function explainBrowserError(error: unknown, ceremony: 'register' | 'sign-in'): Problem {
  const name = error instanceof Error ? error.name : '';
  if (name === 'NotAllowedError' || name === 'AbortError') {
    return new Problem(
      ceremony === 'register'
        ? 'No passkey was added: the browser’s passkey prompt was cancelled or timed out. Press “Add a passkey” again and confirm on your device (fingerprint, face, PIN or security key).'
        : 'No passkey was used: the browser’s passkey prompt was cancelled or timed out, or this device holds no passkey for this account. Try again and confirm on your device, or sign in with your password.',
    );
  }
  if (name === 'InvalidStateError') {
    return new Problem('This device already holds a passkey for your account: use it to sign in, or add a passkey on another device or security key.');
  }
  if (name === 'SecurityError') {
    return new Problem('The browser refused passkeys for this address. Open the console at its configured address (PUBLIC_URL), over https or on localhost.');
  }
  const detail = error instanceof Error ? ` (${error.message})` : '';
  return new Problem(`The browser could not ${ceremony === 'register' ? 'create' : 'use'} a passkey${detail}. Try again, or use another device.`);
}
