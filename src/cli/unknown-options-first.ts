import type { Command, Option } from 'commander';

/**
 * An unknown option is refused before a missing required one, for every command:
 * `mailroom apikey create --bogus` said "required option '--name <name>' not specified" (commander
 * checks required options before unknown ones), sending the typist after an option they never
 * meant to leave out instead of the one they mistyped. Commander has no setting for the order:
 * the required options are made optional to it and checked in a preAction hook instead, which
 * runs after its unknown-option check, with its own words ("required option '--name <name>' not
 * specified", the command's usage and exit code). Call it once every command is registered.
 */
export function unknownOptionsFirst(program: Command): void {
  const required = new Map<Command, Option[]>();
  const collect = (cmd: Command) => {
    const mandatory = cmd.options.filter((o) => o.mandatory);
    for (const o of mandatory) o.makeOptionMandatory(false);
    if (mandatory.length) required.set(cmd, mandatory);
    cmd.commands.forEach(collect);
  };
  collect(program);
  program.hook('preAction', (_program, action) => {
    // The action's command and its parents, as commander checks them.
    for (let cmd: Command | null = action; cmd; cmd = cmd.parent) {
      for (const o of required.get(cmd) ?? []) {
        if (cmd.getOptionValue(o.attributeName()) === undefined) cmd.error(`error: required option '${o.flags}' not specified`, { code: 'commander.missingMandatoryOptionValue' });
      }
    }
  });
}
