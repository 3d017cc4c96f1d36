import type { AttemptReport } from '../core/outbox/retry-policy.js';
import type { Logger } from '../logger.js';
import type { OutgoingMessage } from './outgoing.js';

const MAX_BODY_LOGGED = 10_000;
const cut = (s: string | null) => (s === null ? undefined : s.length > MAX_BODY_LOGGED ? `${s.slice(0, MAX_BODY_LOGGED)}… (${s.length} characters)` : s);

/**
 * MAILROOM_MAIL_DRIVER=log: nothing leaves the machine. The message goes to the application
 * log (and stays readable in the log API with status `logged`).
 */
export function logTransport(logger: Logger) {
  return {
    kind: 'log' as const,
    async send(out: OutgoingMessage): Promise<AttemptReport> {
      const m = out.message;
      logger.info(
        {
          component: 'log-driver',
          messageId: m.id,
          purpose: m.purpose || undefined,
          from: m.from,
          to: m.to,
          cc: m.cc.length ? m.cc : undefined,
          bcc: m.bcc.length ? m.bcc : undefined,
          subject: m.subject,
          text: cut(m.text),
          html: cut(m.html),
          attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType })),
          mimeBytes: m.raw ? m.raw.byteLength : undefined,
        },
        'log driver: message logged, not sent',
      );
      return { accepted: out.recipients.map((address) => ({ address, code: null, enhancedCode: null, response: 'logged (MAILROOM_MAIL_DRIVER=log)' })), rejected: [] };
    },
  };
}
