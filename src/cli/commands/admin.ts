import type { Command } from 'commander';
import type { CoreRuntime } from '../../app-core.js';
import { reportFailure, withCore } from '../run.js';
import { ErrorCodes, MailroomError } from '../../core/kernel/errors.js';
import { commandGroup } from '../command-group.js';
import { inOptionTerms } from '../option-errors.js';
import { passwordFrom, withPasswordOptions, type PasswordOptions } from '../password-option.js';

/**
 * The core's services, loaded when a command runs: `--help` and a refused option answer
 * without them (src/cli/run.ts loads the server the same way).
 */
const services = async () => {
  const [access, users, apiKeys, bootstrap, cache] = await Promise.all([
    import('../../core/access/auth.js'),
    import('../../core/access/users.service.js'),
    import('../../core/access/api-keys.service.js'),
    import('../../core/access/bootstrap.js'),
    import('../../core/access/api-key-cache.js'),
  ]);
  return { ...users, ...apiKeys, noActiveAdmin: bootstrap.noActiveAdmin, ApiKeyCache: cache.ApiKeyCache, actor: { label: access.CLI_PRINCIPAL.label, ip: null } };
};

/** A user's password is not optional: said before anything is opened or written. */
async function requiredPassword(o: PasswordOptions): Promise<string> {
  const password = await passwordFrom(o);
  if (password === undefined) throw new MailroomError(ErrorCodes.VALIDATION, 'a password is required: give it with --password-env NAME, --password-stdin, or --password');
  return password;
}

export function registerAdminCommands(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(() =>
      // Opening the store applies pending migrations; this reports what it applied.
      withCore(async (core) => {
        const applied = core.migrationsApplied;
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      }, { mayCreateStore: true }).catch(reportFailure),
    );

  const user = commandGroup(program, 'user', 'manage users');
  const create = user
    .command('create')
    .description('create a user who logs in to the admin UI (a viewer unless --role says otherwise)')
    .requiredOption('--email <email>', 'login email')
    .option('--role <role>', 'admin | operator | viewer', 'viewer')
    .option('--name <name>', 'display name');
  withPasswordOptions(create, 'the password (at least 10 characters)')
    .action((o: { email: string; role: string; name?: string } & PasswordOptions) =>
      requiredPassword(o).then((password) => withCore(async (core) => {
        const { createUser, noActiveAdmin, actor } = await services();
        // Typed by the operator at the console (as `reset-password`): not a password to replace at first sign-in.
        const u = await createUser(core.ctx, actor, { email: o.email, password, role: o.role, ...(o.name ? { name: o.name } : {}) }, { passwordChangeRequired: false });
        process.stdout.write(`created ${u.role} ${u.email} (${u.id})\n`);
        if (await noActiveAdmin(core.ctx)) process.stderr.write('mailroom: note: no user is an enabled admin, so nobody can change servers, accounts or users: create one with --role admin\n');
      })).catch((err: unknown) => reportFailure(inOptionTerms(err, { email: '--email', role: '--role', name: '--name', password: 'the password' }))),
    );
  const reset = user
    .command('reset-password')
    .description("set a user's password and end their sessions")
    .requiredOption('--email <email>', 'login email');
  withPasswordOptions(reset, 'the new password (at least 10 characters)')
    .action((o: { email: string } & PasswordOptions) =>
      requiredPassword(o).then((password) => withCore(async (core) => {
        const { resetPasswordByEmail, ApiKeyCache, actor } = await services();
        // This process's own cache of API keys: the servers' caches learn of the change from the store.
        const u = await resetPasswordByEmail(core.ctx, new ApiKeyCache(() => core.clock.now()), actor, o.email, password);
        process.stdout.write(`password reset for ${u.email}; their sessions were ended\n`);
      })).catch((err: unknown) => reportFailure(inOptionTerms(err, { email: '--email', password: 'the new password' }))),
    );

  commandGroup(program, 'apikey', 'manage API keys')
    .command('create')
    .description('create an API key; the key is printed on stdout once')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption('--scopes <scopes>', 'comma-separated: send,read,admin')
    .option('--allow-override', 'the key may choose the sending account per message')
    .option('--expires-at <date>', 'refuse the key from this ISO 8601 date-time on (e.g. 2027-01-31T00:00:00Z)')
    .action((o: { name: string; scopes: string; allowOverride?: boolean; expiresAt?: string }) =>
      withCore(async (core) => {
        const scopes = o.scopes.split(',').map((s) => s.trim());
        // An empty entry is refused, not dropped: dropping it would number the entries after it
        // differently from what was typed ("send,,sned" would call "sned" entry 2).
        const empty = scopes.indexOf('');
        if (empty >= 0) throw new MailroomError(ErrorCodes.VALIDATION, `--scopes (entry ${empty + 1}): is empty: separate the scopes by single commas, e.g. send,read`);
        // Made by the CLI, the key answers to no user: disabling or deleting users leaves it working.
        const input = { name: o.name, scopes, allowOverride: Boolean(o.allowOverride), ...(o.expiresAt !== undefined ? { expiresAt: o.expiresAt } : {}) };
        const { createApiKey, actor } = await services();
        const { apiKey, key } = await createApiKey(core.ctx, actor, input, null);
        process.stdout.write(`${key}\n`);
        const expiry = apiKey.expiresAt === null ? '' : `, expires ${new Date(apiKey.expiresAt).toISOString()}`;
        process.stderr.write(`API key ${apiKey.id} (${apiKey.scopes.join(', ')}${expiry}): shown only this once\n`);
      }).catch((err: unknown) => reportFailure(inOptionTerms(err, { name: '--name', scopes: '--scopes', expiresAt: '--expires-at' }))),
    );

  program
    .command('rotate-key')
    .description('re-encrypt every stored secret under a new master key, in one transaction')
    .action(() =>
      withCore(async (core) => {
        await refuseBesideWorkers(core);
        const r = await core.rotateMasterKey();
        process.stdout.write(`re-encrypted ${r.count} secrets: key ${r.oldKeyId} -> ${r.newKeyId}\n`);
        if (r.newKeyBase64) {
          process.stdout.write(`MAILROOM_SECRET_KEY is set, so deploy the new key before the next start:\nMAILROOM_SECRET_KEY=${r.newKeyBase64}\n`);
        } else {
          process.stdout.write(`the key file ${core.keyring.origin.kind === 'file' ? core.keyring.origin.path : ''} now holds the new key\n`);
        }
      }, { alone: 'stop it before rotating the key: it reads the secrets this command re-encrypts' }).catch(reportFailure),
    );
}

/**
 * PostgreSQL's side of `alone` (a SQLite data directory's lock): a process that runs workers
 * holds the old key only and reads, and writes, the secrets this command re-encrypts. Seen by
 * its LISTEN connection; a `--no-workers` process or MAILROOM_LISTEN_URL=off is not, hence the
 * message's "every".
 */
async function refuseBesideWorkers(core: CoreRuntime): Promise<void> {
  const pids = (await core.listeners?.()) ?? [];
  if (!pids.length) return;
  throw new MailroomError(
    ErrorCodes.DATA_DIR_IN_USE,
    `${core.database.describe} is in use by ${pids.length} Mailroom ${pids.length === 1 ? 'process that runs' : 'processes that run'} workers ` +
      `(server PIDs of their LISTEN connections: ${pids.join(', ')}); stop every mailroom start and mailroom worker on it before rotating the key: they read the secrets this command re-encrypts`,
    { listeners: pids },
  );
}
