import type { Command } from 'commander';
import { ErrorCodes, MailroomError } from '../core/kernel/errors.js';
import { withoutTrailingLineEnding } from '../core/kernel/line-ending.js';

/** The three ways a command takes a password; arguments show in `ps` to every user of the machine. */
export interface PasswordOptions {
  password?: string;
  passwordEnv?: string;
  passwordStdin?: boolean;
}

/** Adds --password-env, --password-stdin and --password to a command; `what` says which password. */
export function withPasswordOptions(command: Command, what: string): Command {
  return command
    .option('--password-env <name>', `read ${what} from this environment variable`)
    .option('--password-stdin', `read ${what} from the first line of standard input`)
    .option('--password <password>', `${what} itself (visible to other users of the machine: prefer --password-env or --password-stdin)`);
}

/**
 * The password a command was given, from exactly one of its three options; undefined when none
 * was given. The first line of standard input, without its line ending, is the password (so
 * `printf '%s\n' "$PW" | mailroom …` and a secret file redirected in both work), and so is an
 * environment variable's value without a trailing line ending.
 */
export async function passwordFrom(o: PasswordOptions, stdin: NodeJS.ReadableStream = process.stdin): Promise<string | undefined> {
  const given = [o.password !== undefined && '--password', o.passwordEnv !== undefined && '--password-env', o.passwordStdin && '--password-stdin'].filter(Boolean);
  if (given.length > 1) throw invalid(`give the password one way, not with ${given.join(' and ')}`);
  if (o.passwordEnv !== undefined) {
    const value = process.env[o.passwordEnv];
    if (value === undefined) throw invalid(`--password-env: ${o.passwordEnv} is not set`);
    // As from standard input: a line ending the variable picked up from a file is not the password's.
    const password = withoutTrailingLineEnding(value);
    if (password === '') throw invalid(`--password-env: ${o.passwordEnv} is empty`);
    return password;
  }
  if (o.passwordStdin) return firstLine(stdin);
  return o.password;
}

function invalid(message: string): MailroomError {
  return new MailroomError(ErrorCodes.VALIDATION, message);
}

async function firstLine(stdin: NodeJS.ReadableStream): Promise<string> {
  if ('isTTY' in stdin && stdin.isTTY) throw invalid('--password-stdin: standard input is a terminal; pipe the password in (printf \'%s\\n\' "$PW" | mailroom …) or use --password-env');
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    if (text.includes('\n')) break;
  }
  const line = text.split('\n')[0]!.replace(/\r$/, '');
  if (line === '') throw invalid('--password-stdin: standard input held no password (its first line is empty)');
  return line;
}
