#!/usr/bin/env node
import { Command } from 'commander';
import { registerAdminCommands } from './commands/admin.js';
import { registerStart } from './commands/start.js';
import { cliCommands } from '../app.js';

const program = new Command();
program.name('mailroom').description('Mailroom: the mail subsystem for business applications').showHelpAfterError();
registerStart(program);
registerAdminCommands(program);
for (const register of cliCommands) register(program);
await program.parseAsync(process.argv);
