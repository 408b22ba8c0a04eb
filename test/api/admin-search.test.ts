import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailKey, usernameKey } from '../../src/lib/identity.js';
import { createUser, fastHasher, startApp, type TestApp, type TestUser } from '../helpers/app.js';

/*
 * Listing and searching 1,000 users. The expected answers come from an oracle: the same filter
 * applied in JavaScript to every row, so that a wildcard that leaks into SQL shows up.
 */

let app: TestApp;
let admin: TestUser;
let everyone: Array<{ id: number; username: string; email: string; roles: string[]; disabled: boolean }>;

function member(i: number) {
  const username = i % 10 === 0 ? `member_${i}` : `Member${i}`;
  const email =
    i % 100 === 7 ? `o'brien.${i}@example.test` : i % 100 === 9 ? `100%.sure.${i}@Example.test` : `member${i}@example.test`;
  return { username, email };
}

beforeAll(async () => {
  app = await startApp();
  admin = await createUser(app, ['admin']);
  const hash = await fastHasher.hash('a-long-password');
  const { User, UserRole } = app.db.models;
  const rows = await User.bulkCreate(
    Array.from({ length: 1000 }, (_, i) => {
      const { username, email } = member(i);
      return {
        username,
        email,
        password: hash,
        usernameNormalized: usernameKey(username),
        emailNormalized: emailKey(email),
        disabled: i % 33 === 0,
      };
    }),
  );
  const ids = (await User.findAll({ attributes: ['id'], order: [['id', 'ASC']] })).map((u) => u.id);
  expect(ids.length).toBe(rows.length + 1);
  await UserRole.bulkCreate(ids.map((userId, i) => ({ userId, roleId: i % 20 === 1 ? 2 : 1 })).filter((r) => r.userId !== admin.id));
  everyone = (await app.services.adminUsers.list({ sort: { field: 'id', descending: false }, offset: 0, limit: 5000 })).items;
});
afterAll(async () => {
  await app.close();
});

const list = (query: string) => app.http().get(`/api/admin/users?${query}`).set('x-access-token', admin.accessToken);

async function allPages(query: string, size: number): Promise<number[]> {
  const ids: number[] = [];
  for (let page = 1; ; page++) {
    const res = await list(`${query}&size=${size}&page=${page}`).expect(200);
    ids.push(...res.body.items.map((u: { id: number }) => u.id));
    if (page >= res.body.pages) return ids;
  }
}

describe('GET /api/admin/users on 1,000 users', () => {
  it('pages through everyone: right total, no duplicate, no gap, stable order', async () => {
    const first = await list('size=100').expect(200);
    expect(first.body).toMatchObject({ total: 1001, page: 1, size: 100, pages: 11 });
    expect(first.body.items[0]).toEqual({
      id: expect.any(Number),
      username: expect.any(String),
      email: expect.any(String),
      emailVerified: expect.any(Boolean),
      roles: expect.any(Array),
      disabled: expect.any(Boolean),
      createdAt: expect.any(String),
      mfa: { totp: false, recoveryCodesLeft: 0, passkeys: 0 },
    });
    const byId = await allPages('sort=id', 100);
    expect(byId).toEqual(everyone.map((u) => u.id));
    for (const sort of ['username', '-email', 'createdAt']) {
      const once = await allPages(`sort=${sort}`, 100);
      expect(new Set(once).size).toBe(1001);
      expect(await allPages(`sort=${sort}`, 100)).toEqual(once);
    }
  });

  it('refuses a page size over 100, and other bad paging', async () => {
    for (const query of ['size=101', 'size=0', 'page=0', 'size=abc', 'sort=password', 'sort=id&sort=email', 'bogus=1']) {
      const res = await list(query);
      expect(res.status, query).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    const beyond = await list('page=99&size=100').expect(200);
    expect(beyond.body).toMatchObject({ items: [], total: 1001 });
  });

  it.each(['%', '_', "'", 'member1', 'MEMBER1', '100%', "o'brien", 'EXAMPLE.TEST', '\\', 'nobody-has-this'])(
    'search=%j matches the username or email literally, without case',
    async (search) => {
      const expected = everyone
        .filter((u) => u.username.toLowerCase().includes(search.toLowerCase()) || u.email.toLowerCase().includes(search.toLowerCase()))
        .map((u) => u.id);
      const ids = await allPages(`search=${encodeURIComponent(search)}&sort=id`, 100);
      expect(ids).toEqual(expected);
    },
  );

  it('filters by role and by disabled, also together with a search', async () => {
    const oracle = (keep: (u: (typeof everyone)[number]) => boolean) => everyone.filter(keep).map((u) => u.id);
    expect(await allPages('role=moderator&sort=id', 100)).toEqual(oracle((u) => u.roles.includes('moderator')));
    expect(await allPages('disabled=true&sort=id', 100)).toEqual(oracle((u) => u.disabled));
    expect(await allPages('disabled=false&role=user&search=member_&sort=id', 100)).toEqual(
      oracle((u) => !u.disabled && u.roles.includes('user') && u.username.toLowerCase().includes('member_')),
    );
    const none = await list('role=no-such-role').expect(200);
    expect(none.body.total).toBe(0);
  });
});
