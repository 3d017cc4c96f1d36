import type { Command } from 'commander';

/**
 * A command that only groups others (`user`, `apikey`): typed alone, commander printed its
 * usage and exited 1 without a line saying what was missing. It now says so as every other
 * refusal does (`mailroom: user needs a command: create or reset-password`), and an unknown one
 * by name, followed by the usage.
 */
export function commandGroup(program: Command, name: string, description: string): Command {
  const group = program.command(name).description(description).usage('[options] [command]');
  // Read when it runs: the group's commands are added after this.
  const names = () => group.commands.map((c) => c.name()).filter((n) => n !== 'help');
  return group.argument('[command]').action((typed: string | undefined) => {
    const message = typed === undefined ? `${name} needs a command: ${names().join(' or ')}` : `unknown command '${typed}' (${name} has ${names().join(', ')})`;
    group.error(message, { exitCode: 1, code: 'commander.missingSubcommand' });
  });
}
