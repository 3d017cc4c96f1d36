import type { Command } from 'commander';
import type { CoreContext } from '../../core/context.js';
import { splitAddressList } from '../../core/kernel/addresses.js';
import { invalid } from '../../core/kernel/errors.js';
import type { SubmitResult } from '../../core/outbox/messages.service.js';
import { inOptionTerms } from '../option-errors.js';
import { reportFailure, withCore } from '../run.js';

export interface SendOptions {
  to: string[];
  cc?: string[];
  bcc?: string[];
  subject?: string;
  text?: string;
  html?: string;
  from?: string;
  purpose?: string;
  account?: string;
  idempotencyKey?: string;
  template?: string;
  /** JSON text: the template's data. */
  data?: string;
  locale?: string;
}

/** The submission's fields as `mailroom send` takes them: what a refusal names. */
const SEND_OPTIONS = {
  to: '--to',
  cc: '--cc',
  bcc: '--bcc',
  subject: '--subject',
  text: '--text',
  html: '--html',
  from: '--from',
  purpose: '--purpose',
  accountId: '--account',
  idempotencyKey: '--idempotency-key',
  template: '--template',
  data: '--data',
  locale: '--locale',
};

/** What `mailroom send` does once storage is open: one submission with source "cli". */
export async function queueFromCli(ctx: CoreContext, o: SendOptions): Promise<SubmitResult> {
  const input: Record<string, unknown> = { to: o.to };
  for (const [k, v] of Object.entries({ subject: o.subject, cc: o.cc, bcc: o.bcc, text: o.text, html: o.html, from: o.from, purpose: o.purpose, accountId: o.account, idempotencyKey: o.idempotencyKey, template: o.template, locale: o.locale })) {
    if (v !== undefined) input[k] = v;
  }
  // The core says "data: is only used with template", in the API's words; here the option is named.
  if (o.template === undefined) {
    if (o.data !== undefined) throw invalid('data', 'is only used with --template');
    if (o.locale !== undefined) throw invalid('locale', 'is only used with --template');
  }
  if (o.data !== undefined) input.data = parseData(o.data);
  // Loaded when a message is queued, not for `--help` (as src/cli/run.ts loads the server).
  const [{ CLI_PRINCIPAL }, { submitMessage }] = await Promise.all([import('../../core/access/auth.js'), import('../../core/outbox/messages.service.js')]);
  return submitMessage(ctx, CLI_PRINCIPAL, input, { source: 'cli' });
}

function parseData(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch (err) {
    throw invalid('data', `is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * `--to a@x --to 'b@y, "Doe, John" <jd@z>'`: each value is an address list, split where RFC 5322
 * splits it (a comma in a quoted name, angle brackets or a comment does not), the values joined.
 */
const collect = (v: string, prev: string[] = []) => [...prev, ...splitAddressList(v)];

/**
 * `mailroom send`: puts one message into the outbox (committed before the id is printed);
 * a running `mailroom start` or `mailroom worker` delivers it.
 */
export function registerSend(program: Command): void {
  program
    .command('send')
    .description('queue a message for delivery (a running mailroom start/worker sends it)')
    .requiredOption('--to <address>', 'recipient (repeat or comma-separate for several)', collect)
    .option('--cc <address>', 'copy recipient', collect)
    .option('--bcc <address>', 'blind copy recipient', collect)
    .option('--subject <subject>', 'subject line (required unless --template)')
    .option('--text <text>', 'plain-text body')
    .option('--html <html>', 'HTML body')
    .option('--from <from>', 'an identity of the sending account')
    .option('--purpose <key>', 'purpose key (decides the account, priority and expiry)')
    .option('--account <id>', 'send from this account')
    .option('--idempotency-key <key>', 'the same key with the same message returns the first message instead of sending twice (with another message it is refused)')
    .option('--template <key>', 'render subject, HTML and text from this template (then no --subject, --text or --html)')
    .option('--data <json>', 'the template\'s data as JSON, e.g. \'{"user":{"name":"Ann"}}\'')
    .option('--locale <tag>', 'e.g. de-AT: falls back to de, the default locale, then en')
    .action((o: SendOptions) =>
      withCore(async (core) => {
        const r = await queueFromCli(core.ctx, o);
        // A repeat is the message accepted the first time, in whatever status it has reached since.
        process.stdout.write(`${r.id} ${r.status}${r.duplicate ? ' (accepted before with this idempotency key: nothing new was queued)' : ''}\n`);
      })
        .catch((err: unknown) => reportFailure(inOptionTerms(err, SEND_OPTIONS))),
    );
}
