import { useState } from 'preact/hooks';
import { api } from '../api';
import type { SessionProps } from '../app';
import { addPasskey, type Passkey } from '../passkey';
import { ErrorBox, Field, Loading, Notice, SubmitRow, formatTime, useAction, useLoad } from '../ui';

/** The account's passkeys: the list (added, last used), rename, remove, and add one from this device. */
export function PasskeysSection({ reloadMe }: Pick<SessionProps, 'reloadMe'>) {
  const passkeys = useLoad(() => api<{ passkeys: Passkey[] }>('GET', 'api/users/me/passkeys').then((a) => a.passkeys), []);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [message, setMessage] = useState('');
  const { busy, error, run, submit } = useAction();

  const changed = async (done: string) => {
    setMessage(done);
    passkeys.reload();
    await reloadMe();
  };
  const add = submit(async () => {
    setMessage('');
    const added = await addPasskey(name, password);
    setName('');
    setPassword('');
    await changed(`Passkey “${added.name}” added. You can sign in with it now.`);
  });
  const remove = (passkey: Passkey) => {
    if (!window.confirm(`Remove the passkey “${passkey.name}”? You will no longer be able to sign in with it.`)) return;
    void run(async () => {
      setMessage('');
      await api('DELETE', `api/users/me/passkeys/${encodeURIComponent(passkey.id)}`);
      await changed(`Passkey “${passkey.name}” removed.`);
    });
  };

  return (
    <section aria-labelledby="passkeys">
      <h2 id="passkeys">Passkeys</h2>
      <p>Sign in with your fingerprint, face, screen lock or a security key instead of your password.</p>
      {passkeys.loading && !passkeys.data && <Loading />}
      <ErrorBox error={passkeys.error} />
      {passkeys.data && passkeys.data.length === 0 && <p class="muted">No passkeys yet.</p>}
      {passkeys.data && passkeys.data.length > 0 && (
        <ul class="cards" aria-label="Passkeys">
          {passkeys.data.map((p) => (
            <PasskeyItem key={p.id} passkey={p} busy={busy} onRemove={() => remove(p)} onRenamed={(to) => changed(`Passkey renamed to “${to}”.`)} />
          ))}
        </ul>
      )}
      {message && <Notice>{message}</Notice>}
      <form onSubmit={add}>
        <Field label="Passkey name" name="passkeyName" value={name} onInput={setName} required={false} autoComplete="off" hint="Optional: which device or key it is, such as “work laptop”." />
        <Field label="Password" name="password" type="password" value={password} onInput={setPassword} autoComplete="current-password" hint="Your current password: a passkey signs you in on its own, so adding one needs it." />
        <SubmitRow label="Add a passkey" busy={busy} error={error} />
      </form>
    </section>
  );
}

function PasskeyItem({ passkey, busy, onRemove, onRenamed }: { passkey: Passkey; busy: boolean; onRemove: () => void; onRenamed: (to: string) => Promise<void> }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(passkey.name);
  const rename = useAction();
  const save = rename.submit(async () => {
    const to = name.trim();
    await api('PATCH', `api/users/me/passkeys/${encodeURIComponent(passkey.id)}`, { name: to });
    setEditing(false);
    await onRenamed(to);
  });
  return (
    <li>
      <p>
        <strong>{passkey.name}</strong>
      </p>
      <p class="muted">
        Added {formatTime(passkey.createdAt)} · last used {passkey.lastUsedAt ? formatTime(passkey.lastUsedAt) : 'never'}
      </p>
      {editing ? (
        <form onSubmit={save}>
          <Field label={`New name for ${passkey.name}`} name="name" value={name} onInput={setName} autoComplete="off" />
          <ErrorBox error={rename.error} />
          <p class="actions">
            <button type="submit" disabled={rename.busy}>
              Save
            </button>
            <button type="button" class="secondary" onClick={() => (setEditing(false), setName(passkey.name))}>
              Cancel
            </button>
          </p>
        </form>
      ) : (
        <p class="actions">
          <button type="button" class="secondary" disabled={busy} aria-label={`Rename ${passkey.name}`} onClick={() => setEditing(true)}>
            Rename
          </button>
          <button type="button" class="danger" disabled={busy} aria-label={`Remove ${passkey.name}`} onClick={onRemove}>
            Remove
          </button>
        </p>
      )}
    </li>
  );
}
