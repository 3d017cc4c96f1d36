import { parentPort, workerData } from 'node:worker_threads';
import { compileNetworkPolicy } from '../../core/probes/network-policy.js';
import { isDirect } from '../../core/senders/servers.js';
import { directTransports } from '../direct/direct-setup.js';
import type { DkimSigningOptions } from '../../core/senders/dkim.service.js';
import type { StoredAccount } from '../../core/senders/ports.js';
import type { AttemptReport } from '../../core/outbox/retry-policy.js';
import { cachedSigner } from '../dkim-signer.js';
import { lowerThisThread } from '../../thread-priority.js';
import type { SecretLease } from '../../secrets/resolver.js';
import { SmtpTransports, type SendTarget } from './transport.js';
import { fromWire, type DirectThreadConfig, type FromSmtpThread, type ToSmtpThread, type WireError } from './thread-protocol.js';

/**
 * The SMTP thread (see thread.ts): runs the pooled transports, so building, signing and
 * writing messages uses the second core while the main thread serves HTTP and the store.
 * Passwords and DKIM keys stay in the store: the thread asks the main thread for them when a
 * pool is built or a domain's signing key is (re)read.
 */
const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker thread');
// Delivery is background work: when the cores are short, the main thread's 202s go first.
lowerThisThread();
const post = (m: FromSmtpThread) => port.postMessage(m);

let nextReq = 0;
const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
function ask<T>(make: (req: number) => FromSmtpThread): Promise<T> {
  const req = ++nextReq;
  return new Promise<T>((resolve, reject) => {
    waiting.set(req, { resolve: resolve as (v: unknown) => void, reject });
    post(make(req));
  });
}
function answer(req: number, value: unknown, error?: WireError): void {
  const w = waiting.get(req);
  if (!w) return;
  waiting.delete(req);
  if (error) w.reject(fromWire(error));
  else w.resolve(value);
}

// The main thread reads the key from the store each time; the cache lives here.
const dkim = cachedSigner((domain) => ask<DkimSigningOptions | undefined>((req) => ({ t: 'dkim?', req, domain })));
const logger = { warn: (obj: object, msg: string) => post({ t: 'warn', obj, msg }), info: (obj: object, msg: string) => post({ t: 'info', obj, msg }) };
const transports = new SmtpTransports({
  password: (account: StoredAccount, opts) => ask<SecretLease | undefined>((req) => ({ t: 'password?', req, account, ...(opts?.fresh ? { fresh: true } : {}) })),
  logger,
  dkim,
});
// Direct servers' messages: each recipient domain's exchanger, from this thread too.
const directConfig = (workerData as { direct: DirectThreadConfig }).direct;
const direct = directTransports({ ...directConfig, policy: compileNetworkPolicy(directConfig.allowPrivateHosts), logger, dkim });

const targets = new Map<string, SendTarget>();
let results: { id: number; report: AttemptReport }[] = [];
let flushing = false;
function finished(id: number, report: AttemptReport): void {
  results.push({ id, report });
  if (flushing) return;
  flushing = true;
  setImmediate(() => {
    flushing = false;
    const batch = results;
    results = [];
    post({ t: 'done', results: batch });
  });
}

port.on('message', (m: ToSmtpThread) => {
  switch (m.t) {
    case 'send':
      for (const job of m.jobs) {
        if (job.target) {
          // A new version of an account replaces the old one.
          for (const k of targets.keys()) if (k.startsWith(`${job.target.account.id}@`)) targets.delete(k);
          targets.set(job.key, job.target);
        }
        const target = targets.get(job.key);
        if (!target) {
          finished(job.id, { accepted: [], rejected: [], failure: { kind: 'protocol', code: null, enhancedCode: null, message: 'SMTP thread: unknown sending account version' } });
          continue;
        }
        (isDirect(target.server.smtp) ? direct.send(target, job.out) : transports.send(target, job.out)).then(
          (report) => finished(job.id, report),
          (err: unknown) => finished(job.id, { accepted: [], rejected: [], failure: { kind: 'protocol', code: null, enhancedCode: null, message: String((err as Error)?.message ?? err) } }),
        );
      }
      return;
    case 'password':
    case 'dkim':
      return answer(m.req, m.value, m.error);
    case 'shed':
      transports.shed(m.reason);
      // Direct delivery lets go of the domains' parts still waiting for a connection: a message
      // none of whose parts reached one comes back not attempted, one half-delivered across its
      // domains is recorded with the rest deferred (DirectTransports.shed).
      direct.shed(m.reason);
      return;
    case 'close':
      void Promise.all([transports.close(), direct.close()]).finally(() => post({ t: 'closed' }));
      return;
  }
});
