import { useState } from 'preact/hooks';
import { api } from '../api';
import type { SessionProps } from '../app';
import { ActionForm, Field, Notice, Page, formatTime } from '../ui';
import { AuthenticatorSection } from './authenticator';
import { PasskeysSection } from './passkeys';
import { SessionsSection } from './sessions';

/** The signed-in person's own account: profile, email, password, sessions, second factors. */
export function AccountPage({ me, reloadMe }: SessionProps) {
  if (!me) return null;
  return (
    <Page title="Account">
      <section aria-labelledby="profile">
        <h2 id="profile">Profile</h2>
        <dl class="facts">
          <dt>Username</dt>
          <dd>{me.username}</dd>
          <dt>Email</dt>
          <dd>
            {me.email} {me.emailVerified ? '(verified)' : '(not verified)'}
          </dd>
          <dt>Roles</dt>
          <dd>{me.roles.join(', ')}</dd>
          <dt>Member since</dt>
          <dd>{formatTime(me.createdAt)}</dd>
        </dl>
      </section>
      <EmailSection />
      <PasswordSection />
      <SessionsSection />
      <AuthenticatorSection me={me} reloadMe={reloadMe} />
      <PasskeysSection reloadMe={reloadMe} />
    </Page>
  );
}

function EmailSection() {
  const [email, setEmail] = useState('');
  const [message, setMessage] = useState('');
  const change = async () => {
    const answer = await api<{ message: string }>('PATCH', 'api/users/me', { email });
    setMessage(answer.message);
    setEmail('');
  };
  return (
    <section aria-labelledby="email-change">
      <h2 id="email-change">Change email</h2>
      <ActionForm action={change} label="Change email">
        <Field label="New email" name="email" type="email" value={email} onInput={setEmail} autoComplete="email" />
        {message && <Notice>{message}</Notice>}
      </ActionForm>
    </section>
  );
}

function PasswordSection() {
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [done, setDone] = useState(false);
  const change = async () => {
    setDone(false);
    await api('POST', 'api/users/me/password', { currentPassword, newPassword });
    setCurrent('');
    setNew('');
    setDone(true);
  };
  return (
    <section aria-labelledby="password-change">
      <h2 id="password-change">Change password</h2>
      <ActionForm action={change} label="Change password">
        <Field label="Current password" name="currentPassword" type="password" value={currentPassword} onInput={setCurrent} autoComplete="current-password" />
        <Field label="New password" name="newPassword" type="password" value={newPassword} onInput={setNew} autoComplete="new-password" />
        {done && <Notice>Password changed. Your other sessions have ended.</Notice>}
      </ActionForm>
    </section>
  );
}
