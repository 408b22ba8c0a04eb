import { useState } from 'preact/hooks';
import { api } from '../api';
import { href } from '../router';
import { ActionForm, Field, Notice, Page } from '../ui';

export function ForgotPage() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const send = async () => {
    await api('POST', 'api/auth/forgot-password', { email });
    setSent(true);
  };
  return (
    <Page title="Forgot password">
      {sent ? (
        <Notice>
          <p>If an account uses {email}, a reset link is on its way there. It works once, for a limited time.</p>
        </Notice>
      ) : (
        <ActionForm action={send} label="Send reset link">
          <p>Type the address of your account; we mail you a link to choose a new password.</p>
          <Field label="Email" name="email" type="email" value={email} onInput={setEmail} autoComplete="email" />
        </ActionForm>
      )}
      <p>
        <a href={href('signin')}>Sign in</a>
      </p>
    </Page>
  );
}

/** The landing page of the link in a password-reset mail. */
export function ResetPage({ token }: { token: string }) {
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const reset = async () => {
    await api('POST', 'api/auth/reset-password', { token, password });
    setDone(true);
  };
  return (
    <Page title="Choose a new password">
      {done ? (
        <Notice>
          <p>Your password is changed, and every session of your account has ended. Sign in with the new password.</p>
        </Notice>
      ) : !token ? (
        <div class="error" role="alert">
          <p>This page needs the link from your reset mail. Ask for a new one.</p>
        </div>
      ) : (
        <ActionForm action={reset} label="Reset password">
          <Field label="New password" name="password" type="password" value={password} onInput={setPassword} autoComplete="new-password" hint="At least 8 characters; not a common password." />
        </ActionForm>
      )}
      <p class="links">
        <a href={href('signin')}>Sign in</a>
        <a href={href('forgot-password')}>Ask for a new link</a>
      </p>
    </Page>
  );
}
