import { Command } from 'commander';
import { ErrorCodes } from '../core/kernel/errors.js';
import { MAILROOM_VERSION } from '../processes/mailroom-version.js';
import { registerAdminCommands } from './commands/admin.js';
import { registerStart } from './commands/start.js';
import { registerSend } from './commands/send.js';
import { registerTestSmtp } from './commands/test-smtp.js';
import { cliFlags } from './run.js';
import { unknownOptionsFirst } from './unknown-options-first.js';

/** The `mailroom` command line: every command, registered here and nowhere else, run on `argv`. */
export async function runProgram(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('mailroom')
    .description('Mailroom: the mail subsystem for business applications')
    // The version this installation runs (package.json): what to compare with a newer store's refusal or a release note.
    .version(MAILROOM_VERSION, '-V, --version', 'print the version of Mailroom and exit')
    .option('--create-store', 'let a one-shot command (user, apikey, send, rotate-key) create a new, empty store where none exists')
    .showHelpAfterError()
    // Wrong arguments said as every other refusal: "mailroom: …" and a stable code (commander
    // wrote a bare "error: …"); commands inherit it. The usage follows.
    .configureOutput({ outputError: (message, write) => write(`mailroom: ${message.replace(/^error: /, '').trimEnd()}\n  (${ErrorCodes.VALIDATION})\n`) })
    .hook('preAction', (_program, action) => {
      cliFlags.createStore = Boolean(action.optsWithGlobals().createStore);
    });
  for (const register of [registerStart, registerAdminCommands, registerSend, registerTestSmtp]) register(program);
  // `--bogus` is named before a required option left out (commander checks those first).
  unknownOptionsFirst(program);
  await program.parseAsync(argv);
}
