import { useState } from 'preact/hooks';
import { api, ApiFailure } from '../api';
import type { SessionProps } from '../app';
import { passkeyAssertion } from '../passkey';
import { href, navigate } from '../router';
import { ActionForm, ErrorBox, Field, Notice, Page, SubmitRow, useAction } from '../ui';

interface SigninAnswer {
  mfaRequired?: boolean;
  mfaToken?: string;
  methods?: string[];
}

const CODE_METHODS = ['totp', 'recovery_code'];

/** Sign in: the password, then the second factor (a code or a passkey); or a passkey alone. */
export function SigninPage({ reloadMe }: SessionProps) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [mfaToken, setMfaToken] = useState<string | undefined>(undefined);
  const [methods, setMethods] = useState<string[]>([]);
  const { busy, error, submit } = useAction();
  const withPasskey = useAction();

  const done = async () => {
    await reloadMe();
    navigate('account', { replace: true });
  };

  const signin = submit(async () => {
    const answer = await api<SigninAnswer>('POST', 'api/auth/signin', { username, password });
    if (answer.mfaRequired) {
      setMfaToken(answer.mfaToken);
      setMethods(answer.methods ?? CODE_METHODS);
      setPassword('');
    } else await done();
  });

  const verify = submit(async () => {
    await api('POST', 'api/auth/mfa/verify', { mfaToken, code: code.trim() });
    await done();
  });

  // No username: the browser offers the passkeys it holds for this site (discoverable credentials).
  const signinWithPasskey = () =>
    void withPasskey.run(async () => {
      const { challengeId, response } = await passkeyAssertion({});
      await api('POST', 'api/auth/passkey', { challengeId, response });
      await done();
    });

  const secondFactorPasskey = () =>
    void withPasskey.run(async () => {
      const { challengeId, response } = await passkeyAssertion({ mfaToken });
      await api('POST', 'api/auth/mfa/verify', { mfaToken, challengeId, response });
      await done();
    });

  if (mfaToken !== undefined) {
    const passkey = methods.includes('passkey');
    const codes = methods.some((m) => CODE_METHODS.includes(m));
    const passkeyStep = passkey && (
      <div>
        <p>{codes ? 'Or confirm with a passkey on this device.' : 'Confirm with your passkey: your fingerprint, face, screen lock or security key.'}</p>
        <ErrorBox error={withPasskey.error} />
        <button type="button" class={codes ? 'secondary' : undefined} disabled={withPasskey.busy || busy} onClick={secondFactorPasskey}>
          Use a passkey
        </button>
      </div>
    );
    return (
      <Page title={codes ? 'Enter your code' : 'Use your passkey'}>
        {!codes && passkeyStep}
        {codes && (
          <>
            <p>Type the 6-digit code your authenticator app shows, or one of your recovery codes.</p>
            <form onSubmit={verify}>
              <Field label="Code" name="code" value={code} onInput={setCode} autoComplete="one-time-code" inputMode="numeric" />
              <SubmitRow label="Verify" busy={busy} error={error} />
            </form>
            {passkeyStep}
          </>
        )}
        <p>
          <a href={href('signin')} onClick={() => setMfaToken(undefined)}>
            Start again
          </a>
        </p>
      </Page>
    );
  }

  return (
    <Page title="Sign in">
      <form onSubmit={signin}>
        <Field label="Username" name="username" value={username} onInput={setUsername} autoComplete="username" />
        <Field label="Password" name="password" type="password" value={password} onInput={setPassword} autoComplete="current-password" />
        <SubmitRow label="Sign in" busy={busy} error={error} />
      </form>
      {error instanceof ApiFailure && error.code === 'EMAIL_NOT_VERIFIED' && <ResendVerification />}
      <p class="links">
        <a href={href('forgot-password')}>Forgot password?</a>
        <a href={href('signup')}>Create an account</a>
      </p>
      <section aria-labelledby="passkey-signin">
        <h2 id="passkey-signin">Or use a passkey</h2>
        <p>No username or password to type: your device asks for your fingerprint, face or screen lock.</p>
        <ErrorBox error={withPasskey.error} />
        <button type="button" class="secondary" disabled={withPasskey.busy || busy} onClick={signinWithPasskey}>
          Sign in with a passkey
        </button>
      </section>
    </Page>
  );
}

/** For an account whose address is not verified yet (EMAIL_VERIFICATION=required): the link again. */
function ResendVerification() {
  const [email, setEmail] = useState('');
  const [message, setMessage] = useState('');
  const send = async () => setMessage((await api<{ message: string }>('POST', 'api/auth/verify-email/send', { email })).message);
  return (
    <ActionForm action={send} label="Send the link again" variant="secondary">
      <h2>Verify your email</h2>
      <p>Open the link we mailed you when you signed up, or have it sent again.</p>
      <Field label="Email" name="email" type="email" value={email} onInput={setEmail} autoComplete="email" />
      {message && <Notice>{message}</Notice>}
    </ActionForm>
  );
}
