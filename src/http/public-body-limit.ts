/**
 * The most a body sent before sign-in may carry (the route's own `bodyLimit`). A login is an
 * email and a password (at most 320 and 1,000 characters): a few KB. The API's 40 MiB
 * (src/http/body-limit.ts) let strangers make the server read, parse and measure
 * 30-million-character passwords, three at once stalling every other request for seconds.
 * Fastify refuses a larger body by its content-length at once, or a chunked one as soon as the
 * bytes pass the limit; src/http/errors.ts words the 413 with the route's limit.
 */
export const PUBLIC_BODY_LIMIT_BYTES = 64 * 1024;
