import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './ports.js';

const PGBOUNCER = '/usr/sbin/pgbouncer';

/** Whether PgBouncer is installed; with CI=true it must be (.ci/run installs it), so a missing one fails instead of skipping. */
export function havePgbouncer(): boolean {
  if (existsSync(PGBOUNCER)) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${PGBOUNCER} is missing: .ci/run installs the Debian package pgbouncer`);
  console.warn(`[mailroom tests] ${PGBOUNCER} not found: the PgBouncer tests are SKIPPED (apt-get install pgbouncer)`);
  return false;
}

export interface RunningPgbouncer {
  port: number;
  /** The URL of `database` through this PgBouncer (from a PostgreSQL URL on 127.0.0.1:5432). */
  url(directUrl: string): string;
  /** The lines PgBouncer logged. */
  log(): string;
  /** Switches the pool mode online (the config rewritten, SIGHUP): what an operator's change does to a running Mailroom. */
  switchTo(poolMode: 'transaction' | 'session'): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A private PgBouncer (the distribution's, 1.18 on Debian bookworm: no prepared-statement
 * support) in front of the local PostgreSQL, on a free loopback port, with its config and log in
 * a temp dir; every database name passes through, trust authentication. PgBouncer refuses to run
 * as root: then it is told to switch to the postgres user, which must own the temp dir.
 */
export async function startPgbouncer(opts: { poolMode: 'transaction' | 'session'; poolSize: number }): Promise<RunningPgbouncer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mailroom-pgbouncer-'));
  const port = await freePort();
  const asRoot = userInfo().uid === 0;
  const user = 'postgres';
  writeFileSync(path.join(dir, 'users.txt'), `"${user}" ""\n`);
  const ini = [
    '[databases]',
    '* = host=127.0.0.1 port=5432',
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = trust',
    `auth_file = ${path.join(dir, 'users.txt')}`,
    `pool_mode = ${opts.poolMode}`,
    `default_pool_size = ${opts.poolSize}`,
    'max_client_conn = 200',
    `logfile = ${path.join(dir, 'pgbouncer.log')}`,
    // node-postgres sends extra_float_digits at connect; PgBouncer refuses unknown startup parameters.
    'ignore_startup_parameters = extra_float_digits,options',
    ...(asRoot ? [`user = ${user}`] : []),
  ].join('\n');
  writeFileSync(path.join(dir, 'pgbouncer.ini'), `${ini}\n`);
  if (asRoot) {
    const { uid, gid } = idsOf(user);
    for (const f of ['', 'users.txt', 'pgbouncer.ini']) chownSync(path.join(dir, f), uid, gid);
  }
  const child: ChildProcess = spawn(PGBOUNCER, [path.join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
  const log = () => (existsSync(path.join(dir, 'pgbouncer.log')) ? readFileSync(path.join(dir, 'pgbouncer.log'), 'utf8') : '');
  try {
    await waitForPort(port, 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`PgBouncer did not start: ${log()}`, { cause: err });
  }
  return {
    port,
    url: (directUrl) => directUrl.replace('127.0.0.1:5432/', `127.0.0.1:${port}/`),
    log,
    async switchTo(poolMode) {
      const file = path.join(dir, 'pgbouncer.ini');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^pool_mode = .*$/m, `pool_mode = ${poolMode}`));
      const reloads = log().split('\n').length;
      child.kill('SIGHUP');
      // PgBouncer logs the reload; wait for its line.
      for (let i = 0; i < 100 && log().split('\n').length === reloads; i++) await new Promise((r) => setTimeout(r, 20));
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function idsOf(user: string): { uid: number; gid: number } {
  const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim()));
  return { uid, gid };
}
