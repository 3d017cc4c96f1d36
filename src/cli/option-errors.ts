import { isMailroomError, MailroomError } from '../core/kernel/errors.js';

/**
 * The core names what it refuses by the API's field (`accountId: account nope does not exist`);
 * the one who typed the command gave an option (`--account`). A refusal whose message starts with
 * a field a command filled from an option is said with that option's name, an entry of a list by
 * its place (`--to (entry 2): "a@" is not accepted …`); anything else stays as it is.
 */
export function inOptionTerms(err: unknown, options: Readonly<Record<string, string>>): unknown {
  if (!isMailroomError(err)) return err;
  const field = /^([A-Za-z]+)(?:\[(\d+)\])?: /.exec(err.message);
  const option = field && Object.hasOwn(options, field[1]) ? options[field[1]] : undefined;
  if (!field || !option) return sentenceAboutOption(err, options);
  const place = field[2] === undefined ? '' : ` (entry ${Number(field[2]) + 1})`;
  return new MailroomError(err.code, `${option}${place}: ${err.message.slice(field[0].length)}`, err.details);
}

/**
 * A refusal whose sentence begins with the field its `details.field` names, without a colon
 * (`idempotencyKey "k" was first used … use a new idempotencyKey …`, `purpose "x" does not
 * exist`, `subject is 1200 characters`): the field said as the option. A camelCase name is
 * the field wherever the message has it outside quotes; a plain word ("subject", "to") only where it begins.
 */
function sentenceAboutOption(err: MailroomError, options: Readonly<Record<string, string>>): MailroomError {
  const field = (err.details as { field?: unknown } | undefined)?.field;
  if (typeof field !== 'string' || !Object.hasOwn(options, field) || !err.message.startsWith(`${field} `)) return err;
  const option = options[field]!;
  const rest = err.message.slice(field.length);
  // Quoted text is the caller's own value (a key "nightly-idempotencyKey-7"): left as it was sent.
  const said = /[A-Z]/.test(field) ? rest.replace(new RegExp(`("(?:[^"\\\\]|\\\\.)*")|\\b${field}\\b`, 'g'), (m, quoted?: string) => quoted ?? option) : rest;
  return new MailroomError(err.code, `${option}${said}`, err.details);
}
