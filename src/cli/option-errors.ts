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
  if (!field || !option) return err;
  const place = field[2] === undefined ? '' : ` (entry ${Number(field[2]) + 1})`;
  return new MailroomError(err.code, `${option}${place}: ${err.message.slice(field[0].length)}`, err.details);
}
