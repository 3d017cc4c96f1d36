import { Writable } from 'node:stream';
import Fastify from 'fastify';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { lazyRequestLogger } from '../../src/http/lazy-request-logger.js';

/** A pino logger writing its lines into an array. */
function capturing() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe("a request's logger is made only when something logs through it", () => {
  it('makes no child for a request that logs nothing, and logs with the request id when one does', async () => {
    const { logger, lines } = capturing();
    const child = vi.spyOn(logger, 'child');
    const app = Fastify({ loggerInstance: logger, disableRequestLogging: true, childLoggerFactory: lazyRequestLogger });
    app.get('/quiet', async () => ({ ok: true }));
    app.get('/loud', async (req) => {
      req.log.warn({ what: 'x' }, 'something to say');
      req.log.info('and more');
      return { ok: true };
    });
    await app.ready();
    const made = child.mock.calls.length;

    expect((await app.inject({ method: 'GET', url: '/quiet' })).statusCode).toBe(200);
    expect(child.mock.calls.length).toBe(made);
    expect(lines).toEqual([]);

    expect((await app.inject({ method: 'GET', url: '/loud' })).statusCode).toBe(200);
    expect(child.mock.calls.length).toBe(made + 1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 40, what: 'x', msg: 'something to say', reqId: expect.any(String) });
    expect(lines[1]).toMatchObject({ level: 30, msg: 'and more', reqId: lines[0]!.reqId });
    await app.close();
  });

  it("answers the level of the logger it stands for, and a child's lines carry both bindings", async () => {
    const { logger, lines } = capturing();
    const lazy = lazyRequestLogger.call(Fastify(), logger, { reqId: 'req-1' }, {}, {} as never);
    expect(lazy.level).toBe('info');
    lazy.child({ part: 'inner' }).error('failed');
    expect(lines[0]).toMatchObject({ level: 50, reqId: 'req-1', part: 'inner', msg: 'failed' });
  });
});
