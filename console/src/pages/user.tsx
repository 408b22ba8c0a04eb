import { useEffect, useState } from 'preact/hooks';
import { api, type User } from '../api';
import type { SessionProps } from '../app';
import { href, navigate } from '../router';
import { ErrorBox, Loading, Notice, Page, formatTime, useAction, useLoad } from '../ui';
import type { Role } from './roles';

/** One user, for an admin: roles, disable or enable, end sessions, reset second factors, delete. */
export function UserPage({ id, reloadMe }: { id: number } & SessionProps) {
  const user = useLoad(() => api<User>('GET', `api/admin/users/${id}`), [id]);
  const roles = useLoad(() => api<{ roles: Role[] }>('GET', 'api/admin/roles').then((a) => a.roles), []);
  const [chosen, setChosen] = useState<string[]>([]);
  const [message, setMessage] = useState('');
  const { busy, error, run } = useAction();
  useEffect(() => setChosen(user.data?.roles ?? []), [user.data]);

  const act = (question: string | undefined, action: () => Promise<unknown>, done: string) => {
    if (question && !window.confirm(question)) return;
    void run(async () => {
      setMessage('');
      await action();
      setMessage(done);
      user.reload();
      await reloadMe();
    });
  };

  const data = user.data;
  return (
    <Page title={data ? `User ${data.username}` : 'User'}>
      <p>
        <a href={href('admin/users')}>All users</a>
      </p>
      <ErrorBox error={user.error ?? roles.error} />
      {user.loading && !data && <Loading />}
      {data && (
        <>
          <dl class="facts">
            <dt>Id</dt>
            <dd>{data.id}</dd>
            <dt>Email</dt>
            <dd>
              {data.email} {data.emailVerified ? '(verified)' : '(not verified)'}
            </dd>
            <dt>Status</dt>
            <dd>{data.disabled ? 'Disabled' : 'Active'}</dd>
            <dt>Second factor</dt>
            <dd>{secondFactors(data)}</dd>
            <dt>Created</dt>
            <dd>{formatTime(data.createdAt)}</dd>
          </dl>
          <ErrorBox error={error} />
          {message && <Notice>{message}</Notice>}
          <form
            onSubmit={(event) => {
              event.preventDefault();
              act(undefined, () => api('PATCH', `api/admin/users/${id}`, { roles: chosen }), 'Roles saved.');
            }}
          >
            <fieldset>
              <legend>Roles</legend>
              {(roles.data ?? []).map((role) => (
                <label key={role.name} class="check">
                  <input
                    type="checkbox"
                    name="roles"
                    value={role.name}
                    checked={chosen.includes(role.name)}
                    onChange={(e) => setChosen(e.currentTarget.checked ? [...chosen, role.name] : chosen.filter((r) => r !== role.name))}
                  />
                  {role.name}
                </label>
              ))}
            </fieldset>
            <button type="submit" disabled={busy}>
              Save roles
            </button>
          </form>
          <div class="actions">
            {data.disabled ? (
              <button type="button" disabled={busy} onClick={() => act(undefined, () => api('PATCH', `api/admin/users/${id}`, { disabled: false }), 'Enabled.')}>
                Enable
              </button>
            ) : (
              <button type="button" class="danger" disabled={busy} onClick={() => act(`Disable ${data.username}? Their sessions end.`, () => api('PATCH', `api/admin/users/${id}`, { disabled: true }), 'Disabled.')}>
                Disable
              </button>
            )}
            <button type="button" class="secondary" disabled={busy} onClick={() => act(`End every session of ${data.username}?`, () => api('DELETE', `api/admin/users/${id}/sessions`), 'Sessions ended.')}>
              End sessions
            </button>
            <button type="button" class="secondary" disabled={busy} onClick={() => act(`Remove every second factor of ${data.username}?`, () => api('DELETE', `api/admin/users/${id}/mfa`), 'Second factors removed.')}>
              Reset second factors
            </button>
            <button
              type="button"
              class="danger"
              disabled={busy}
              onClick={() => {
                if (!window.confirm(`Delete ${data.username} for good?`)) return;
                void run(async () => {
                  await api('DELETE', `api/admin/users/${id}`);
                  navigate('admin/users');
                });
              }}
            >
              Delete
            </button>
          </div>
        </>
      )}
    </Page>
  );
}

/** "Authenticator app, 2 passkeys", or "None". */
function secondFactors({ mfa }: User): string {
  const factors = [mfa.totp ? 'Authenticator app' : '', mfa.passkeys > 0 ? `${mfa.passkeys} passkey${mfa.passkeys === 1 ? '' : 's'}` : ''].filter(Boolean);
  return factors.join(', ') || 'None';
}
