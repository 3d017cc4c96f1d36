import { replyOnOneLine } from '../../core/outbox/retry-policy.js';

/**
 * Holds an SMTP peer to answering exactly what was asked. nodemailer matches each complete
 * reply with the oldest command still waiting, whatever the reply says: one line too many (say
 * a second greeting line) and every later reply is read one step late — the body goes out after
 * a reply meant for RCPT, the final dot is "answered" by the 354 meant for DATA. This guard
 * sees every byte before nodemailer does and every command it writes, and calls a protocol
 * violation when
 * - a reply arrives while no command is waiting for one (data before the client has spoken),
 * - a reply does not fit the command it would answer (RFC 5321 §4.3.2, RFC 3207, RFC 4954:
 *   354 only for DATA, 250 never for DATA, 220 only for the greeting and STARTTLS …),
 * - a line is not an SMTP reply at all, or a multi-line reply changes its code,
 * - anything follows the 220 to STARTTLS in plain text (it would be read as if it came over TLS).
 * It parses nothing nodemailer does not: it only counts replies and reads their codes.
 */
export type Step = 'greeting' | 'ehlo' | 'starttls' | 'auth' | 'mail' | 'rcpt' | 'data' | 'dot' | 'rset' | 'noop' | 'quit' | 'other';

/** The positive replies each command may get; any 4yz or 5yz reply fits every command. */
const POSITIVE: Record<Step, readonly number[] | null> = {
  greeting: [220],
  ehlo: [250],
  starttls: [220],
  auth: [235, 334],
  mail: [250],
  rcpt: [250, 251],
  data: [354],
  dot: [250],
  rset: [250],
  noop: [250],
  quit: [221],
  other: null,
};

/** Each step in the words of an error message. */
export const LABEL: Record<Step, string> = {
  greeting: 'the greeting',
  ehlo: 'EHLO',
  starttls: 'STARTTLS',
  auth: 'AUTH',
  mail: 'MAIL FROM',
  rcpt: 'RCPT TO',
  data: 'DATA',
  dot: 'the end of the message (the final dot)',
  rset: 'RSET',
  noop: 'NOOP',
  quit: 'QUIT',
  other: 'a command',
};

/** nodemailer's command name for a step (what its errors carry in `command`). */
export const COMMAND: Record<Step, string> = { ...LABEL, greeting: 'CONN', dot: 'DATA', other: 'CONN' };

const VERBS: Record<string, Step> = { EHLO: 'ehlo', HELO: 'ehlo', LHLO: 'ehlo', STARTTLS: 'starttls', AUTH: 'auth', MAIL: 'mail', RCPT: 'rcpt', DATA: 'data', RSET: 'rset', NOOP: 'noop', QUIT: 'quit' };

export interface Violation {
  /** Plain words for the log: what came, and why it cannot be right. */
  reason: string;
  /** The offending reply as received (lines joined with newlines, shortened). */
  reply: string;
  /** The step it would have answered, if any. */
  step: Step | null;
}

export interface Verdict {
  /** How many bytes of the chunk may go on to nodemailer (everything, unless there is a violation). */
  okBytes: number;
  violation?: Violation;
}

/** What the peer sent, for a violation's words and the log: one line (as every stored reply), shortened. */
const show = (s: string) => {
  const line = replyOnOneLine(s);
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
};

export class ReplyGuard {
  /** Replies due, oldest first; the greeting is due before the client says anything. */
  private due: Step[] = ['greeting'];
  /** Bytes of a line whose end has not arrived yet. */
  private partial = '';
  /** The lines so far of a multi-line reply ("250-…"), and its code. */
  private lines: string[] = [];
  private code = 0;
  private inAuth = false;
  /** Whether the last EHLO reply listed STARTTLS (undefined before any EHLO reply). */
  offersStarttls: boolean | undefined;
  /** Set by a 220 to STARTTLS until the end of that chunk: nothing may follow it in plain text. */
  private tlsNext = false;

  /** The client wrote one command line. */
  sent(line: string): void {
    if (this.inAuth) {
      // SASL continuation lines (base64, or "*" to cancel) answer a 334.
      this.due.push('auth');
      return;
    }
    const step = VERBS[/^[A-Za-z]+/.exec(line)?.[0].toUpperCase() ?? ''] ?? 'other';
    if (step === 'auth') this.inAuth = true;
    this.due.push(step);
  }

  /** The client wrote the final dot of a message. */
  sentDot(): void {
    this.due.push('dot');
  }

  /** The whole message went out and its reply has not come: the server may have it. */
  get awaitingDot(): boolean {
    return this.due.includes('dot');
  }

  /** The step the oldest outstanding reply answers. */
  get waitingFor(): Step | null {
    return this.due[0] ?? null;
  }

  /** Reads one chunk from the peer, before nodemailer does. */
  received(chunk: Buffer): Verdict {
    const text = chunk.toString('latin1');
    this.tlsNext = false;
    let okBytes = 0;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const line = (this.partial + text.slice(start, nl)).replace(/\r$/, '');
      this.partial = '';
      start = nl + 1;
      const result = this.line(line);
      if (typeof result === 'object') return { okBytes, violation: result };
      if (result === 'complete') okBytes = start;
      if (result === 'complete' && this.tlsNext && start < text.length) {
        const extra = show(text.slice(start));
        return { okBytes, violation: { reason: `the server sent more data right after its STARTTLS reply, before TLS started (it would be read as if it came over TLS): "${extra}"`, reply: extra, step: null } };
      }
    }
    this.partial += text.slice(start);
    return { okBytes: text.length };
  }

  /** One complete line: 'more' inside a multi-line reply, 'complete' at its end, or a violation. */
  private line(line: string): 'skip' | 'more' | 'complete' | Violation {
    if (!this.lines.length && !line.trim()) return 'skip'; // a blank line between replies; nodemailer skips it too
    const m = /^([2-5]\d\d)([ -]|$)/.exec(line);
    const code = m ? Number(m[1]) : 0;
    const text = [...this.lines, line].join('\n');
    if (!m) return { reason: `"${show(line)}" is not an SMTP reply`, reply: show(text), step: this.waitingFor };
    if (this.lines.length && code !== this.code) return { reason: `a multi-line reply changed its code from ${this.code} to ${code} ("${show(text)}")`, reply: show(text), step: this.waitingFor };
    if (m[2] === '-') {
      this.code = code;
      if (this.lines.length < 1_000) this.lines.push(line);
      return 'more';
    }
    this.lines = [];
    return this.reply(code, text);
  }

  private reply(code: number, text: string): 'complete' | Violation {
    const step = this.due[0];
    if (!step) {
      // RFC 5321 §3.8: a server may announce 421 and close at any time; nodemailer ends an idle session on it.
      if (code === 421) return 'complete';
      return { reason: `the server sent "${show(text)}" while no command was waiting for a reply`, reply: show(text), step: null };
    }
    const positive = POSITIVE[step];
    if (code < 400 && positive && !positive.includes(code)) {
      return { reason: `"${show(text)}" does not answer ${LABEL[step]} (expected ${positive.join(' or ')}, or a 4xx/5xx refusal)`, reply: show(text), step };
    }
    this.due.shift();
    if (step === 'starttls' && code === 220) this.tlsNext = true;
    if (step === 'auth' && code !== 334) this.inAuth = false;
    if (step === 'ehlo' && code === 250) this.offersStarttls = /^250[ -]STARTTLS\b/im.test(text);
    return 'complete';
  }
}
