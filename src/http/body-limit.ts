/**
 * The most one request body may carry (Fastify's bodyLimit, every route). The 413 names it:
 * "larger than this endpoint accepts" left a caller guessing how much to cut.
 */
export const BODY_LIMIT_BYTES = 40 * 1024 * 1024;
