import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { href } from '../router';
import { ActionForm, ErrorBox, Field, Loading, Notice, Page } from '../ui';

export function SignupPage() {
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const signup = async () => {
    await api('POST', 'api/auth/signup', { username, email, password });
    setDone(true);
  };

  if (done) {
    return (
      <Page title="Account created">
        <Notice>
          <p>Your account {username} is ready. If this service verifies addresses, a link is on its way to {email}.</p>
        </Notice>
        <p>
          <a href={href('signin')}>Sign in</a>
        </p>
      </Page>
    );
  }
  return (
    <Page title="Create an account">
      <ActionForm action={signup} label="Sign up">
        <Field label="Username" name="username" value={username} onInput={setUsername} autoComplete="username" hint="3 to 32 letters, digits, dots, dashes or underscores." />
        <Field label="Email" name="email" type="email" value={email} onInput={setEmail} autoComplete="email" />
        <Field label="Password" name="password" type="password" value={password} onInput={setPassword} autoComplete="new-password" hint="At least 8 characters; not a common password." />
      </ActionForm>
      <p>
        Have an account? <a href={href('signin')}>Sign in</a>
      </p>
    </Page>
  );
}

/** The landing page of the link in a verification (or email change) mail. */
export function VerifyEmailPage({ token, reloadMe }: { token: string; reloadMe: () => Promise<unknown> }) {
  const [state, setState] = useState<{ email?: string; error?: unknown; done: boolean }>({ done: false });
  useEffect(() => {
    api<{ email: string }>('POST', 'api/auth/verify-email', { token }).then(
      (answer) => {
        setState({ email: answer.email, done: true });
        // The account shown elsewhere now has the verified (or changed) address.
        void reloadMe().catch(() => undefined);
      },
      (error: unknown) => setState({ error, done: true }),
    );
  }, [token]);
  return (
    <Page title="Verify your email">
      {!state.done ? (
        <Loading />
      ) : state.error ? (
        <ErrorBox error={state.error} />
      ) : (
        <Notice>
          <p>{state.email} is verified.</p>
        </Notice>
      )}
      <p>
        <a href={href('')}>Continue</a>
      </p>
    </Page>
  );
}
