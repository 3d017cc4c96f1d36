import { ErrorCodes, MailroomError } from './core/kernel/errors.js';

/** Why a listening socket could not be opened, in the operator's terms; `host: true` when the address is the thing to change. */
const REASONS: Record<string, { why: string; host?: true }> = {
  EADDRINUSE: { why: 'another program uses the port' },
  EACCES: { why: 'ports below 1024 need privileges (CAP_NET_BIND_SERVICE)' },
  EADDRNOTAVAIL: { why: "the address is not one of this machine's", host: true },
  ENOTFOUND: { why: 'the host name does not resolve', host: true },
  EAI_AGAIN: { why: 'the host name does not resolve (DNS did not answer)', host: true },
};

export interface ListenTarget {
  /** What was to listen ("the SMTP relay"). */
  what: string;
  host: string;
  hostVariable: string;
  port: number;
  portVariable: string;
  /** Added to the privileges reason: an unprivileged port to use instead. */
  unprivilegedPort?: number;
}

/**
 * A failed listen as MAILROOM_E_CONFIG naming the variable to change: Node's own error
 * ("listen EADDRINUSE: address already in use", with a stack) names neither.
 */
export function listenFailure(err: unknown, t: ListenTarget): MailroomError {
  const e = err as NodeJS.ErrnoException;
  const known = e?.code ? REASONS[e.code] : undefined;
  const setting = known?.host ? `${t.hostVariable}=${t.host}` : `${t.portVariable}=${t.port}`;
  const why = known ? `: ${known.why}${e.code === 'EACCES' && t.unprivilegedPort ? `, or use ${t.unprivilegedPort}` : ''}` : '';
  return new MailroomError(ErrorCodes.CONFIG, `${setting}: ${t.what} cannot listen on ${t.host}:${t.port} (${e?.code ?? e?.message ?? String(err)}${why})`);
}
