import { useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBox, Field, Loading, Page, useAction, useLoad } from '../ui';

export interface Role {
  id: number;
  name: string;
  builtin: boolean;
  users: number;
}

/** Administration: roles; custom ones can be created and deleted. */
export function RolesPage() {
  const roles = useLoad(() => api<{ roles: Role[] }>('GET', 'api/admin/roles').then((a) => a.roles), []);
  const [name, setName] = useState('');
  const { busy, error, run, submit } = useAction();
  const create = submit(async () => {
    await api('POST', 'api/admin/roles', { name: name.trim() });
    setName('');
    roles.reload();
  });
  const remove = (role: Role) => {
    if (!window.confirm(`Delete the role ${role.name}? Its ${role.users} holder(s) lose it and their sessions end.`)) return;
    void run(async () => {
      await api('DELETE', `api/admin/roles/${encodeURIComponent(role.name)}`);
      roles.reload();
    });
  };
  return (
    <Page title="Roles">
      <ErrorBox error={roles.error ?? error} />
      {roles.loading && !roles.data && <Loading />}
      {roles.data && (
        <div class="table stacked">
          <table>
            <thead>
              <tr>
                <th scope="col">Role</th>
                <th scope="col">Holders</th>
                <th scope="col">Kind</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {roles.data.map((role) => (
                <tr key={role.name}>
                  <td data-label="Role">{role.name}</td>
                  <td data-label="Holders">{role.users}</td>
                  <td data-label="Kind">{role.builtin ? 'Built in' : 'Custom'}</td>
                  <td>
                    {!role.builtin && (
                      <button type="button" class="danger" disabled={busy} onClick={() => remove(role)} aria-label={`Delete ${role.name}`}>
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form onSubmit={create}>
        <h2>New role</h2>
        <Field label="Name" name="name" value={name} onInput={setName} hint="Lower-case letters, digits and dashes, e.g. editor." />
        <button type="submit" disabled={busy}>
          Create role
        </button>
      </form>
    </Page>
  );
}
