import { useState } from 'preact/hooks';
import { api, ApiFailure } from '../api';
import type { SessionProps } from '../app';
import { href, navigate } from '../router';
import { ErrorBox, Field, Notice, Page, useAction } from '../ui';

interface SigninAnswer {
  mfaRequired?: boolean;
  mfaToken?: string;
}

/** Sign in: the password, then the code when the account has a second factor. */
export function SigninPage({ reloadMe }: SessionProps) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [mfaToken, setMfaToken] = useState<string | undefined>(undefined);
  const { busy, error, run } = useAction();

  const done = async () => {
    await reloadMe();
    navigate('account', { replace: true });
  };

  const signin = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const answer = await api<SigninAnswer>('POST', 'api/auth/signin', { username, password });
      if (answer.mfaRequired) {
        setMfaToken(answer.mfaToken);
        setPassword('');
      } else await done();
    });
  };

  const verify = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      await api('POST', 'api/auth/mfa/verify', { mfaToken, code: code.trim() });
      await done();
    });
  };

  if (mfaToken !== undefined) {
    return (
      <Page title="Enter your code">
        <p>Type the 6-digit code your authenticator app shows, or one of your recovery codes.</p>
        <form onSubmit={verify}>
          <Field label="Code" name="code" value={code} onInput={setCode} autoComplete="one-time-code" inputMode="numeric" />
          <ErrorBox error={error} />
          <button type="submit" disabled={busy}>
            Verify
          </button>
        </form>
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
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      {error instanceof ApiFailure && error.code === 'EMAIL_NOT_VERIFIED' && <ResendVerification />}
      <p class="links">
        <a href={href('forgot-password')}>Forgot password?</a>
        <a href={href('signup')}>Create an account</a>
      </p>
    </Page>
  );
}

/** For an account whose address is not verified yet (EMAIL_VERIFICATION=required): the link again. */
function ResendVerification() {
  const [email, setEmail] = useState('');
  const [message, setMessage] = useState('');
  const { busy, error, run } = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void run(async () => setMessage((await api<{ message: string }>('POST', 'api/auth/verify-email/send', { email })).message));
  };
  return (
    <form onSubmit={submit}>
      <h2>Verify your email</h2>
      <p>Open the link we mailed you when you signed up, or have it sent again.</p>
      <Field label="Email" name="email" type="email" value={email} onInput={setEmail} autoComplete="email" />
      <ErrorBox error={error} />
      {message && <Notice>{message}</Notice>}
      <button type="submit" class="secondary" disabled={busy}>
        Send the link again
      </button>
    </form>
  );
}
