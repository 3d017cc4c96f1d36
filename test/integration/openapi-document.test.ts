import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/core/kernel/errors.js';
import { statusFor } from '../../src/http/error-status.js';
import { buildServer } from '../../src/http/server.js';
import { ROUTE_CONTRACTS } from '../../src/http/route-contracts.generated.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { DocumentChecker, type OpenApiDocument } from '../helpers/openapi-check.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The OpenAPI document at /docs/json tells the whole truth: every route of the table has a
 * response schema for each of its answers and lists every error code it can return under the
 * status that code has; real answers of a live server match it, field for field.
 */
type Doc = OpenApiDocument & { info: { description: string }; paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: { properties?: { error?: { properties?: { code?: { enum?: string[] } } } } } }> }> }>> };

const catalogue = new Set<string>(Object.values(ErrorCodes));

describe('the OpenAPI document', () => {
  let t: TestApp;
  let doc: Doc;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
    doc = (await t.request({ method: 'GET', url: '/docs/json', key: null })).json();
  });
  afterAll(async () => t?.close());

  const operations = () => Object.entries(doc.paths).flatMap(([p, ops]) => Object.entries(ops).map(([m, op]) => ({ key: `${m.toUpperCase()} ${p}`, op })));

  it('describes every route of the route table, and nothing else', () => {
    const documented = new Set(operations().map((o) => o.key.replace(/\{([^}]+)\}/g, ':$1').replace(' /api/v1', ' ')));
    // GET /metrics is Prometheus' (hidden from the document on purpose); every other route is there.
    const missing = Object.keys(ROUTE_CONTRACTS).filter((k) => k !== 'GET /metrics' && !documented.has(k));
    expect(missing, 'routes without an OpenAPI entry').toEqual([]);
    const unknown = [...documented].filter((k) => !(k in ROUTE_CONTRACTS));
    expect(unknown, 'operations without a contract (run npm run contracts)').toEqual([]);
    expect(documented.size).toBeGreaterThan(80);
  });

  it('gives every operation a schema for each answer it makes', () => {
    const without: string[] = [];
    for (const { key, op } of operations()) {
      // A redirect is an answer too: the OAuth2 callback only ever sends the browser to a page.
      const success = Object.entries(op.responses).filter(([s]) => s.startsWith('2') || s.startsWith('3'));
      if (success.length === 0) without.push(`${key}: no 2xx or 3xx answer`);
      for (const [status, response] of Object.entries(op.responses)) {
        if (status === '204' || status.startsWith('3')) continue;
        const media = Object.values(response.content ?? {});
        if (media.length === 0 || media.some((m) => !m.schema)) without.push(`${key} ${status}: no schema`);
      }
    }
    expect(without).toEqual([]);
  });

  it('gives every operation whose handler reads a body or a query string a schema for it', () => {
    const without: string[] = [];
    for (const { key, op } of operations()) {
      const contract = ROUTE_CONTRACTS[key.replace(/\{([^}]+)\}/g, ':$1').replace(' /api/v1', ' ')];
      const o = op as { requestBody?: { content?: Record<string, { schema?: unknown }> }; parameters?: { in: string }[] };
      if (contract.reads.includes('body') && !o.requestBody?.content?.['application/json']?.schema) without.push(`${key}: body`);
      if (contract.reads.includes('query') && !o.parameters?.some((p) => p.in === 'query')) without.push(`${key}: query`);
    }
    expect(without).toEqual([]);
    expect(Object.values(ROUTE_CONTRACTS).filter((c) => c.reads.includes('body')).length).toBeGreaterThan(30);
  });

  it('types a path parameter that is a number as an integer (a template version), so a client passes a number', () => {
    const op = doc.paths['/api/v1/templates/{key}/versions/{version}'].get as unknown as { parameters: { in: string; name: string; schema: { type: string; minimum?: number } }[] };
    expect(op.parameters.find((p) => p.in === 'path' && p.name === 'version')?.schema).toMatchObject({ type: 'integer', minimum: 1 });
  });

  // An object schema with neither properties nor additionalProperties is read by generators as
  // "no field allowed" (openapi-typescript: Record<string, never>), so the SDK could not pass
  // template data or an event's data at all. A free-form object says additionalProperties.
  it('says what a free-form object in a request takes, so generators allow its fields', () => {
    const closed: string[] = [];
    const walk = (schema: unknown, at: string): void => {
      if (!schema || typeof schema !== 'object') return;
      const s = schema as { type?: unknown; properties?: unknown; additionalProperties?: unknown; oneOf?: unknown; anyOf?: unknown };
      const isObject = s.type === 'object' || (Array.isArray(s.type) && s.type.includes('object'));
      if (isObject && s.properties === undefined && s.additionalProperties === undefined && !s.oneOf && !s.anyOf) closed.push(at);
      for (const [k, v] of Object.entries(schema)) walk(v, `${at}.${k}`);
    };
    for (const { key, op } of operations()) walk((op as { requestBody?: unknown }).requestBody, key);
    expect(closed).toEqual([]);
  });

  it('lists every code under the status the API answers it with, and only codes of the catalogue', () => {
    const wrong: string[] = [];
    let listed = 0;
    for (const { key, op } of operations()) {
      const answered = new Set<string>();
      for (const [status, response] of Object.entries(op.responses)) {
        const schema = response.content?.['application/json']?.schema as { anyOf?: unknown[] } | undefined;
        const bodies = (schema?.anyOf ?? [schema]) as { properties?: { error?: { properties?: { code?: { enum?: string[] } } } } }[];
        for (const code of bodies.flatMap((b) => b?.properties?.error?.properties?.code?.enum ?? [])) {
          listed++;
          answered.add(code);
          if (!catalogue.has(code)) wrong.push(`${key}: ${code} is not in the catalogue`);
          else if (String(statusFor(code as never)) !== status) wrong.push(`${key}: ${code} listed under ${status}, answered with ${statusFor(code as never)}`);
        }
      }
      if (!answered.has(ErrorCodes.INTERNAL)) wrong.push(`${key}: MAILROOM_E_INTERNAL missing`);
    }
    expect(wrong).toEqual([]);
    expect(listed).toBeGreaterThan(500);
  });

  it('documents answers without rewriting them: a field the schema does not name, and a null, reach the client', async () => {
    const server = await buildServer(
      t.app.ports,
      {
        root: [
          async (app) => {
            app.get('/probe', { config: { permission: 'public' }, schema: { response: { 200: { type: 'object', properties: { name: { type: 'string' } } } } } }, async () => ({ name: null, extra: 1, createdAt: 0 }));
          },
        ],
        api: [],
      },
      { logger: false },
    );
    const res = await server.inject({ method: 'GET', url: '/probe' });
    await server.close();
    // Fastify's compiled serialiser would answer {"name":""}: no extra, null turned into "".
    expect(res.json()).toEqual({ name: null, extra: 1, createdAt: '1970-01-01T00:00:00.000Z' });
  });

  it('is self-contained: no link to a folder a clone does not have, only public https sites', () => {
    const text = JSON.stringify(doc);
    expect(text).not.toMatch(/\.\.\/shared|shared\/API\.md|shared\/DESIGN\.md/);
    const urls = [...text.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s"'()<>\\]+/gi)].map((m) => m[0]);
    for (const url of urls) expect(url, url).toMatch(/^https:\/\/(?!localhost|127\.|10\.|192\.168\.)/);
    // What the document points to for the full reference is in the repository.
    expect(doc.info.description).toContain('docs/api.md');
  });

  it('names the codes each route reaches in its own code (what the handler and the services it calls throw)', () => {
    const codes = (method: string, path: string) =>
      Object.values(doc.paths[path][method].responses).flatMap((r) => {
        const s = r.content?.['application/json']?.schema as { anyOf?: unknown[] } | undefined;
        return ((s?.anyOf ?? [s]) as { properties?: { error?: { properties?: { code?: { enum?: string[] } } } } }[]).flatMap((b) => b?.properties?.error?.properties?.code?.enum ?? []);
      });
    // Samples of what the walk must find: a core rule, a port's adapter, the auth layer.
    expect(codes('post', '/api/v1/messages')).toEqual(expect.arrayContaining(['MAILROOM_E_NO_SENDER', 'MAILROOM_E_TEMPLATE_RENDER', 'MAILROOM_E_TOO_MANY_RECIPIENTS', 'MAILROOM_E_OVERRIDE_NOT_ALLOWED', 'MAILROOM_E_FORBIDDEN', 'MAILROOM_E_CSRF']));
    expect(codes('post', '/api/v1/diagnostics/smtp')).toEqual(expect.arrayContaining(['MAILROOM_E_TARGET_NOT_ALLOWED', 'MAILROOM_E_RATE_LIMITED']));
    expect(codes('post', '/api/v1/messages/{id}/cancel')).toEqual(expect.arrayContaining(['MAILROOM_E_INVALID_STATE', 'MAILROOM_E_NOT_FOUND']));
    expect(codes('get', '/healthz')).toEqual(['MAILROOM_E_INTERNAL']);
  });
});

await describeEachDialect('real answers match the OpenAPI document', (dialect) => {
  let t: TestApp;
  let check: DocumentChecker;
  const problems: string[] = [];
  const call = async (method: string, url: string, payload?: unknown, key?: string | null) => {
    const res = await t.request({ method: method as 'GET', url, payload: payload as object, key });
    problems.push(...check.problems(method, url, res.statusCode, res.headers['content-type'] as string | undefined, res.body));
    return res;
  };

  beforeAll(async () => {
    t = await startTestApp(dialect);
    check = new DocumentChecker((await t.request({ method: 'GET', url: '/docs/json', key: null })).json());
  });
  afterAll(async () => t?.close());

  it('answers every read, write and refusal as the document says', async () => {
    const server = (await call('POST', '/api/v1/servers', { name: 'sink', smtp: { host: '127.0.0.1', port: 2525, security: 'starttls' } })).json();
    const account = (await call('POST', '/api/v1/accounts', { serverId: server.id, address: 'app@example.com', fromName: 'App', password: 'secret-1' })).json();
    const sent = (await call('POST', '/api/v1/messages', { to: ['Ann <ann@example.net>'], subject: 'Hi', html: '<p>Hi</p>', attachments: [{ filename: 'a.txt', contentBase64: 'aGk=' }], idempotencyKey: 'k1' })).json();
    await call('POST', '/api/v1/messages', { template: 'password_reset', to: 'bob@example.net', data: { user: { name: 'Bob' }, reset_url: 'https://example.com/r', expires_in_minutes: 30 } });
    await call('POST', '/api/v1/webhooks', { url: 'https://hooks.example.com/mailroom', events: ['message.sent'] });
    const key = (await call('POST', '/api/v1/api-keys', { name: 'reader', scopes: ['read'] })).json();
    await call('POST', '/api/v1/smtp-credentials', { name: 'legacy app', allowedFrom: ['@example.com'] });
    for (const url of [
      '/healthz',
      '/readyz',
      '/api/v1/session',
      '/api/v1/users',
      '/api/v1/api-keys',
      '/api/v1/audit?limit=5',
      '/api/v1/servers',
      `/api/v1/servers/${server.id}`,
      '/api/v1/accounts',
      `/api/v1/accounts/${account.id}`,
      '/api/v1/presets',
      '/api/v1/purposes',
      '/api/v1/purposes/password_reset',
      '/api/v1/settings',
      '/api/v1/messages?limit=10',
      `/api/v1/messages/${sent.id}`,
      `/api/v1/messages/${sent.id}/html`,
      '/api/v1/messages/stats',
      '/api/v1/templates',
      '/api/v1/templates/password_reset',
      '/api/v1/templates/password_reset/versions',
      '/api/v1/layouts',
      '/api/v1/layouts/default',
      '/api/v1/setup/status',
      '/api/v1/webhooks',
      '/api/v1/smtp-credentials',
      '/api/v1/dkim',
      '/api/v1/relay/status',
      '/api/v1/relay/rejections',
      '/api/v1/processes',
    ]) {
      const res = await call('GET', url);
      expect(res.statusCode, url).toBe(200);
    }
    await call('POST', '/api/v1/templates/password_reset/preview', { locale: 'de' });
    await call('POST', `/api/v1/messages/${sent.id}/cancel`);
    await call('PATCH', '/api/v1/settings', { globalCc: [] });
    // Refusals: each must be a code the document lists for that route and status.
    expect((await call('GET', '/api/v1/messages/msg_missing')).statusCode).toBe(404);
    expect((await call('POST', `/api/v1/messages/${sent.id}/cancel`)).statusCode).toBe(409);
    expect((await call('POST', '/api/v1/messages', { to: 'a@example.net', subject: 'x', text: 'y', colour: 'red' })).statusCode).toBe(400);
    expect((await call('POST', '/api/v1/messages', { to: 'a@example.net', subject: 'x\r\nBcc: evil@example.org', text: 'y' })).statusCode).toBe(400);
    expect((await call('POST', '/api/v1/messages', { to: 'a@example.net', subject: 'x', text: 'y', purpose: 'nope' })).statusCode).toBe(422);
    expect((await call('POST', '/api/v1/messages', { to: 'a@example.net', subject: 'x', text: 'y' }, key.key)).statusCode).toBe(403);
    expect((await call('GET', '/api/v1/messages', undefined, 'mrk_not_a_key')).statusCode).toBe(401);
    expect((await call('GET', '/api/v1/messages', undefined, null)).statusCode).toBe(401);
    expect((await call('POST', '/api/v1/templates/password_reset/preview', { data: { name: { nested: true } }, locale: 'en' })).statusCode).toBeLessThan(500);
    expect(problems).toEqual([]);
  });
});
