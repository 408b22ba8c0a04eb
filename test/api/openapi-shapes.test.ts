import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';

/*
 * What Swagger UI needs to show real response shapes: each response schema resolves, through its
 * $ref, to a component with its fields. A `$id` next to (or inside) a referenced schema makes a
 * JSON Schema 2020-12 resolver treat it as a new base URI, so "#/components/…" no longer
 * resolves and the page falls back to "string".
 */

type Schema = { $ref?: string; anyOf?: Schema[]; properties?: Record<string, Schema>; required?: string[]; type?: string };
type Document = {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>>;
  components: { schemas: Record<string, Schema> };
};

let app: TestApp;
let doc: Document;

beforeAll(async () => {
  app = await startApp();
  doc = (await app.http().get('/api/openapi.json').expect(200)).body as Document;
});
afterAll(() => app.close());

function resolve(schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = /^#\/components\/schemas\/(.+)$/.exec(schema.$ref)?.[1];
  const target = name ? doc.components.schemas[name] : undefined;
  if (!target) throw new Error(`${schema.$ref} does not resolve`);
  return resolve(target);
}

/** Every object in the document, with the path that leads to it. */
function* walk(value: unknown, at = '#'): Generator<[string, Record<string, unknown>]> {
  if (value === null || typeof value !== 'object') return;
  if (!Array.isArray(value)) yield [at, value as Record<string, unknown>];
  for (const [key, child] of Object.entries(value)) yield* walk(child, `${at}/${key}`);
}

describe('the response schemas of the OpenAPI document', () => {
  it('resolve the signin 200 to its fields', () => {
    const schema = doc.paths['/api/auth/signin']!.post!.responses['200']!.content!['application/json']!.schema;
    const [result, challenge] = (schema.anyOf ?? [schema]).map(resolve);
    expect(result!.type).toBe('object');
    expect(Object.keys(result!.properties!)).toEqual(
      expect.arrayContaining(['id', 'username', 'email', 'roles', 'accessToken', 'refreshToken', 'tokenType', 'expiresIn']),
    );
    expect(result!.properties!.roles).toMatchObject({ type: 'array' });
    expect(Object.keys(challenge!.properties!)).toEqual(expect.arrayContaining(['mfaRequired', 'mfaToken', 'methods']));
  });

  it('carry no $id anywhere (it would shadow the $ref that points at the schema)', () => {
    const withId = [...walk(doc)].filter(([, node]) => '$id' in node).map(([at]) => at);
    expect(withId).toEqual([]);
  });

  it('resolve every JSON response of every operation to an object, an array or a scalar with a type', () => {
    const untyped: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          const schema = response.content?.['application/json']?.schema;
          if (!schema) continue;
          for (const part of (schema.anyOf ?? [schema]).map(resolve)) {
            if (!part.type && !part.anyOf) untyped.push(`${method.toUpperCase()} ${path} ${status}`);
          }
        }
      }
    }
    expect(untyped).toEqual([]);
    const error = resolve(doc.paths['/api/auth/signup']!.post!.responses['400']!.content!['application/json']!.schema);
    expect(error.required).toEqual(expect.arrayContaining(['message', 'code']));
  });
});
