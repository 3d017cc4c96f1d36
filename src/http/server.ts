import { lazyRequestLogger } from './lazy-request-logger.js';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ports } from '../ports.js';
import { registerAuth } from './auth.js';
import { registerSecurityHeaders } from './content-security.js';
import { isoTimestamps } from './timestamps.js';
import { registerBodyParsing } from './bodies.js';
import { registerBodilessRoutes } from './bodiless-routes.js';
import { registerQueryTextCheck } from './query-text.js';
import { registerEmptyPathParameterCheck } from './empty-path-parameter.js';
import { closeQuery, registerEmptyQueryCheck } from './query-parameters.js';
import { registerNumberParameters } from './number-parameters.js';
import { MAX_PARAM_LENGTH, clientErrorHandler, frameworkErrors, notFoundBody, registerErrorHandling } from './errors.js';
import { contractOf, responseSchemas } from './route-contracts.js';
import type { MountedRoutes } from './routes/index.js';
import { BODY_LIMIT_BYTES } from './body-limit.js';
import { sharedValidators } from './shared-validators.js';

export interface BuildServerOptions {
  /** Where the built admin UI is; defaults to web/dist next to the package. */
  webRoot?: string;
  logger?: boolean;
  /**
   * Node's HTTP deadlines, in milliseconds (tests shorten them). Left out: Node's, headers within
   * headers within 60 s (checked every 30 s), the whole request within REQUEST_TIMEOUT_MS.
   */
  timeouts?: { headersTimeout?: number; requestTimeout?: number; connectionsCheckingInterval?: number };
}

/** How long a whole request (headers and body) may take to arrive: then 408 MAILROOM_E_REQUEST_TIMEOUT. */
export const REQUEST_TIMEOUT_MS = 300_000;

const here = path.dirname(fileURLToPath(import.meta.url));

function defaultWebRoot(): string | undefined {
  // src/http (tsx) or dist/src/http (built): the package root is two or three levels up.
  for (const up of ['../../web/dist', '../../../web/dist']) {
    const p = path.resolve(here, up);
    if (existsSync(path.join(p, 'index.html'))) return p;
  }
  return undefined;
}

const trustHops =
  (hops: number) =>
  (_address: string, hop: number): boolean =>
    hop < hops;

/** Builds the HTTP server for a route table without listening, so tests can use inject(). */
export async function buildServer(ports: Pick<Ports, 'ctx' | 'config' | 'logger' | 'apiKeyCache' | 'metrics'>, routes: MountedRoutes, opts: BuildServerOptions = {}): Promise<FastifyInstance> {
  const server = Fastify({
    loggerInstance: (opts.logger === false ? undefined : ports.logger.child({ component: 'http' })) as FastifyBaseLogger | undefined,
    // Request lines are not logged: bodies and headers may carry credentials.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    // Only the configured proxies may set the client IP and scheme (MAILROOM_TRUST_PROXY).
    // A hop count becomes proxy-addr's "trust the first n hops" (Fastify's types only take the function form).
    trustProxy: typeof ports.config.trustProxy === 'number' ? trustHops(ports.config.trustProxy) : ports.config.trustProxy,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
    schemaController: { compilersFactory: { buildValidator: sharedValidators } },
    // Fastify's default (100) refuses a long address in DELETE /suppressions/:address; longer
    // parameters, and paths that are not valid percent-encoding, are answered by frameworkErrors.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
    // What Node's parser refuses before Fastify sees a request (a broken request line, a header
    // section over 16 KiB, a request that does not arrive in time): the documented error shape too.
    clientErrorHandler,
    // A whole request (headers and body) within 5 minutes, Node's own default, which Fastify turns
    // off: a client trickling a body would otherwise hold its connection for ever. A 40 MiB body
    // at 1 Mbit/s takes ~5.5 minutes; Mailroom's largest bodies are a tenth of that in practice.
    requestTimeout: opts.timeouts?.requestTimeout ?? REQUEST_TIMEOUT_MS,
    ...(opts.timeouts ? { http: { headersTimeout: opts.timeouts.headersTimeout, connectionsCheckingInterval: opts.timeouts.connectionsCheckingInterval } } : {}),
  });
  registerErrorHandling(server);
  registerBodyParsing(server);
  registerBodilessRoutes(server);
  registerQueryTextCheck(server);
  registerEmptyQueryCheck(server);
  registerNumberParameters(server);
  // Every answer's time into /metrics (mailroom_http_request_duration_seconds), by route pattern.
  server.addHook('onResponse', (req, reply, done) => {
    ports.metrics.observeRequest({ method: req.method, route: req.routeOptions.url, status: reply.statusCode, seconds: reply.elapsedTime / 1000 });
    done();
  });
  // A strict CSP per kind of answer; no framing by another site (clickjacking a "delete" or "send" button).
  registerSecurityHeaders(server);
  await server.register(cookie);
  // Response schemas document each route (OpenAPI at /docs); they must never rewrite an answer
  // (Fastify's compiled serialiser drops fields a schema does not name and turns null into ""),
  // so answers are serialised as they are.
  server.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // Before swagger's own onRoute hook: each route's answers and error codes, read from its handler
  // by `npm run contracts` (src/http/route-contracts.generated.ts).
  server.addHook('onRoute', (route) => {
    closeQuery(route);
    const schema = (route.schema ?? {}) as { hide?: boolean; response?: unknown };
    if (route.method === 'HEAD' || schema.hide || schema.response || typeof route.method !== 'string') return;
    const contract = contractOf(route.method, route.url, route.prefix);
    if (contract) route.schema = { ...schema, response: responseSchemas(route, contract) };
  });
  await server.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Mailroom API', version: '1', description: 'Generated from the routes. The reference with every field, rule and error code is docs/api.md in the Mailroom repository.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API key (mrk_…)' },
          session: { type: 'apiKey', in: 'cookie', name: 'mailroom_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
  });
  await server.register(swaggerUi, { routePrefix: '/docs' });
  // A write to a path no route has is answered before its body is read: anyone may send one,
  // and reading and parsing up to the body limit for a 404 cost 1.5 s at 30 MB.
  server.addHook('onRequest', async (request, reply) => {
    if (request.is404 && request.method !== 'GET' && request.method !== 'HEAD') return reply.status(404).send(notFoundBody(request.method, request.url));
  });
  registerEmptyPathParameterCheck(server);
  registerAuth(server, ports);
  server.addHook('preSerialization', async (_req, _reply, payload) => isoTimestamps(payload));

  for (const plugin of routes.root) await server.register(plugin);
  await server.register(
    async (api) => {
      for (const plugin of routes.api) await api.register(plugin);
    },
    { prefix: '/api/v1' },
  );

  const webRoot = opts.webRoot ?? defaultWebRoot();
  if (webRoot) await server.register(fastifyStatic, { root: webRoot, wildcard: false, index: ['index.html'] });
  server.setNotFoundHandler((request, reply) => {
    // The static routes are the files there were at the start (wildcard off). A build made since
    // (`npm run build` while Mailroom runs) names its assets anew, and index.html, read at each
    // request, asks for them: served from disk when they are there, or the UI stayed blank.
    const asset = webRoot && request.method === 'GET' ? /^\/assets\/([A-Za-z0-9_-][A-Za-z0-9_.-]*)$/.exec(request.url) : null;
    if (webRoot && asset && existsSync(path.join(webRoot, 'assets', asset[1]))) return reply.sendFile(`assets/${asset[1]}`);
    // The UI is a single-page app: unknown non-API GETs get index.html and route client-side.
    // A missing file under /assets (a page from an older build) is a 404, not the app page.
    if (webRoot && request.method === 'GET' && !request.url.startsWith('/api/') && !request.url.startsWith('/docs') && !request.url.startsWith('/assets/')) {
      return reply.sendFile('index.html');
    }
    return reply.status(404).send(notFoundBody(request.method, request.url));
  });
  return server;
}
