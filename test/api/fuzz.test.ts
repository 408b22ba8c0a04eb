import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startApp, type TestApp } from '../helpers/app.js';

/*
 * Every operation of the OpenAPI document gets malformed input — wrong types, huge strings,
 * control characters, deep nesting, prototype keys, broken JSON, odd query and path values —
 * without a token and as an admin (a fresh session per operation, since some operations end it).
 * Whatever it is, the answer is never a 5xx, and a 4xx is a JSON error with a code.
 */

interface Operation {
  method: string;
  path: string;
  /** A valid-looking body (each field a plausible value), so that one odd field gets past the others. */
  base: Record<string, unknown>;
  bodyFields: string[];
  query: string[];
  pathParams: string[];
}

interface Attempt {
  label: string;
  path: string;
  query?: string;
  body?: string;
  contentType?: string;
}

const ODD_VALUES: unknown[] = [
  null,
  true,
  -1,
  1e308,
  [],
  ['a', 'b'],
  {},
  { nested: { deeper: ['x'] } },
  '',
  'x'.repeat(5000),
  'nul\u0000byte',
  'bidi\u202eoverride',
  '😀'.repeat(300),
  "' OR '1'='1",
];

const ODD_PARAMS = ['abc', '-1', '0', '1.5', '99999999999999999999', '%00', '%E2%80%AE', 'x'.repeat(2000), '%2e%2e%2f', '__proto__'];
const ODD_QUERIES = ['', '%00', 'x'.repeat(3000), '-1', '1e309', '%7B%7D', 'a&__proto__[x]=1'];

interface FieldSchema {
  type?: string;
  anyOf?: FieldSchema[];
}

let unique = 0;
function plausible(name: string, field: FieldSchema): unknown {
  const type = field.type ?? field.anyOf?.[0]?.type;
  unique++;
  if (type === 'boolean') return false;
  if (type === 'integer' || type === 'number') return 1;
  if (type === 'array') return name === 'roles' ? ['user'] : [];
  if (/email/i.test(name)) return `fuzz${unique}@example.test`;
  if (/password/i.test(name)) return `a fuzz password ${unique}`;
  return `fuzz${unique}`;
}

function operations(doc: { paths: Record<string, Record<string, Record<string, unknown>>> }): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const body = (op.requestBody as { content?: Record<string, { schema?: { properties?: Record<string, FieldSchema> } }> } | undefined)
        ?.content?.['application/json']?.schema;
      const parameters = (op.parameters as Array<{ name: string; in: string }> | undefined) ?? [];
      return {
        method,
        path,
        base: Object.fromEntries(Object.entries(body?.properties ?? {}).map(([name, field]) => [name, plausible(name, field)])),
        bodyFields: Object.keys(body?.properties ?? {}),
        query: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        pathParams: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
      };
    }),
  );
}

function attempts(op: Operation): Attempt[] {
  const concrete = op.path.replace(/\{\w+\}/g, '1');
  const list: Attempt[] = [];
  for (const value of ODD_PARAMS) {
    if (op.pathParams.length > 0) list.push({ label: `path ${value.slice(0, 20)}`, path: op.path.replace(/\{\w+\}/g, value) });
  }
  for (const name of op.query) {
    for (const value of ODD_QUERIES) list.push({ label: `query ${name}=${value.slice(0, 20)}`, path: concrete, query: `${name}=${value}` });
    list.push({ label: `query ${name} twice`, path: concrete, query: `${name}=a&${name}=b` });
  }
  if (op.method === 'get') return list;
  const deep = `${'['.repeat(6000)}${']'.repeat(6000)}`;
  for (const [label, body] of [
    ['broken JSON', '{"a": '],
    ['a JSON array', '[1, 2]'],
    ['JSON null', 'null'],
    ['a JSON string', '"text"'],
    ['deep nesting', `{"a": ${deep}}`],
    ['a __proto__ key', '{"__proto__": {"roles": ["admin"]}}'],
    ['a constructor key', '{"x": {"constructor": {"prototype": {"admin": true}}}}'],
    ['a huge body', JSON.stringify({ a: 'x'.repeat(20_000) })],
  ] as const) {
    list.push({ label, path: concrete, body, contentType: 'application/json' });
  }
  list.push({ label: 'a form with a field twice', path: concrete, body: 'a=1&a=2&b=%00', contentType: 'application/x-www-form-urlencoded' });
  list.push({ label: 'XML', path: concrete, body: '<a/>', contentType: 'application/xml' });
  for (const field of op.bodyFields) {
    for (const value of ODD_VALUES) {
      list.push({
        label: `${field}=${JSON.stringify(value).slice(0, 20)}`,
        path: concrete,
        body: JSON.stringify({ ...op.base, [field]: value }),
        contentType: 'application/json',
      });
    }
  }
  return list;
}

let app: TestApp;
let ops: Operation[];

beforeAll(async () => {
  app = await startApp();
  ops = operations((await app.http().get('/api/openapi.json').expect(200)).body);
});
afterAll(async () => {
  await app.close();
});

describe('fuzzing every documented operation', () => {
  it('covers the whole document', () => {
    expect(ops.length).toBeGreaterThan(20);
    expect(ops.some((op) => op.bodyFields.includes('username'))).toBe(true);
  });

  for (const signedIn of [false, true]) {
    it(`never answers 5xx, and 4xx answers are JSON errors (${signedIn ? 'as an admin' : 'without a token'})`, async () => {
      const failures: string[] = [];
      let tried = 0;
      for (const op of ops) {
        const token = signedIn ? (await createUser(app, ['admin'])).accessToken : undefined;
        for (const attempt of attempts(op)) {
          tried++;
          const url = attempt.query ? `${attempt.path}?${attempt.query}` : attempt.path;
          const method = op.method as 'get' | 'post' | 'patch' | 'delete';
          let req = app.http()[method](url);
          if (token) req = req.set('x-access-token', token);
          if (attempt.body !== undefined) req = req.set('Content-Type', attempt.contentType!).send(attempt.body);
          const res = await req;
          const where = `${op.method.toUpperCase()} ${op.path} (${attempt.label}) → ${res.status}`;
          if (res.status >= 500) failures.push(`${where}: ${res.text.slice(0, 200)}`);
          else if (res.status >= 400 && (typeof res.body?.code !== 'string' || !/json/.test(res.headers['content-type'] ?? ''))) {
            failures.push(`${where}: not a JSON error`);
          }
        }
      }
      expect(tried).toBeGreaterThan(300);
      expect(failures).toEqual([]);
    });
  }
});
