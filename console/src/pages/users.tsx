import { useState } from 'preact/hooks';
import { api, query, type Page as PageOf, type User } from '../api';
import { href, navigate } from '../router';
import { ErrorBox, Field, Loading, Page, formatTime, useLoad } from '../ui';
import { Pager } from './pager';

const SORTS = [
  ['username', 'Username'],
  ['email', 'Email'],
  ['createdAt', 'Created'],
  ['id', 'Id'],
] as const;

/** Administration: users, with search, sorting and pages; the state lives in the URL. */
export function UsersPage({ params }: { params: URLSearchParams }) {
  const search = params.get('search') ?? '';
  const sort = params.get('sort') ?? 'username';
  const page = Number(params.get('page') ?? '1') || 1;
  const [text, setText] = useState(search);
  const users = useLoad(() => api<PageOf<User>>('GET', `api/admin/users${query({ search, sort, page, size: 20 })}`), [search, sort, page]);
  const go = (next: { search?: string; sort?: string; page?: number }) =>
    navigate(`admin/users${query({ search, sort, page, ...next })}`);

  return (
    <Page title="Users">
      <form
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          go({ search: text.trim(), page: 1 });
        }}
      >
        <Field label="Search" name="search" type="search" value={text} onInput={setText} required={false} inputMode="search" hint="Part of a username or an email." />
        <button type="submit">Search</button>
      </form>
      <ErrorBox error={users.error} />
      {users.loading && <Loading />}
      {users.data && users.data.items.length === 0 && <p>No users match{search ? ` “${search}”` : ''}.</p>}
      {users.data && users.data.items.length > 0 && (
        <div class="table">
          <table>
            <caption>
              {users.data.total} user(s), sorted by {SORTS.find(([key]) => sort.replace('-', '') === key)?.[1] ?? sort}
              {sort.startsWith('-') ? ', descending' : ''}
            </caption>
            <thead>
              <tr>
                {SORTS.slice(0, 3).map(([key, label]) => (
                  <th key={key} scope="col" aria-sort={sort === key ? 'ascending' : sort === `-${key}` ? 'descending' : undefined}>
                    <button type="button" class="link" onClick={() => go({ sort: sort === key ? `-${key}` : key, page: 1 })}>
                      {label}
                    </button>
                  </th>
                ))}
                <th scope="col">Roles</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {users.data.items.map((user) => (
                <tr key={user.id}>
                  <td>
                    <a href={href(`admin/users/${user.id}`)}>{user.username}</a>
                  </td>
                  <td>{user.email}</td>
                  <td>{formatTime(user.createdAt)}</td>
                  <td>{user.roles.join(', ')}</td>
                  <td>{user.disabled ? 'Disabled' : 'Active'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {users.data && <Pager page={users.data.page} pages={users.data.pages} go={(p) => go({ page: p })} />}
    </Page>
  );
}
