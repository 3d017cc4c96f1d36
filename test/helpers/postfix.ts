import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './ports.js';
import { groupMembers } from './process-group.js';

/**
 * A private Postfix instance for the tests and the benchmark: its own config, queue and data
 * directories under a temp dir (never the system's), smtpd on a free 127.0.0.1 port, a log file
 * written by postlogd instead of syslog, no DNS lookups, no local delivery. Callers add or
 * override main.cf parameters and master.cf services; everything else is shared here.
 */

export function havePostfix(): boolean {
  return existsSync('/usr/sbin/postfix') && existsSync('/usr/lib/postfix/sbin/smtpd') && process.getuid?.() === 0;
}

export interface PrivatePostfixOptions {
  /** main.cf parameters added to, or replacing, the shared ones below. */
  main?: Record<string, string>;
  /** master.cf lines added to the shared services (smtpd's line is built from the port). */
  services?: string[];
  /** Prefix of the temp dir's name. */
  prefix?: string;
  /** smtpd's port on 127.0.0.1 (a free one when not given). */
  port?: number;
}

export interface PrivatePostfix {
  port: number;
  dir: string;
  /** The file postlogd writes Postfix's log to. */
  maillog: string;
  queueDir: string;
  /** The master daemon's pid: every process of this instance is in its process group. */
  masterPid: number;
  /** Pids of every live process of this instance (the master and its children). */
  processes(): number[];
  /** `postfix stop`, then SIGKILL for whatever of it is left, then the temp dir goes. */
  stop(): Promise<void>;
}

const SHARED_SERVICES = [
  'pickup unix n - n 60 1 pickup',
  'cleanup unix n - n - 0 cleanup',
  'qmgr unix n - n 300 1 qmgr',
  'rewrite unix - - n - - trivial-rewrite',
  'bounce unix - - n - 0 bounce',
  'defer unix - - n - 0 bounce',
  'trace unix - - n - 0 bounce',
  'verify unix - - n - 1 verify',
  'proxymap unix - - n - - proxymap',
  'error unix - - n - - error',
  'retry unix - - n - - error',
  'anvil unix - - n - 1 anvil',
  'scache unix - - n - 1 scache',
  // postlogd writes maillog_file: Postfix 3.7 on Debian would otherwise log to syslog only.
  'postlog unix-dgram n - n - 1 postlogd',
  'showq unix n - n - - showq',
  'flush unix n - n 1000? 0 flush',
];

export async function startPrivatePostfix(opts: PrivatePostfixOptions = {}): Promise<PrivatePostfix> {
  const dir = mkdtempSync(path.join(tmpdir(), opts.prefix ?? 'mailroom-postfix-'));
  chmodSync(dir, 0o755);
  const confDir = path.join(dir, 'conf');
  const queueDir = path.join(dir, 'queue');
  const maillog = path.join(dir, 'maillog');
  for (const d of ['conf', 'queue', 'data']) mkdirSync(path.join(dir, d));
  chownSync(path.join(dir, 'data'), Number(execFileSync('id', ['-u', 'postfix']).toString().trim()), 0);
  const port = opts.port ?? (await freePort());
  const main: Record<string, string> = {
    compatibility_level: '3.6',
    queue_directory: queueDir,
    data_directory: path.join(dir, 'data'),
    // Postfix refuses to run its daemons as root: they drop to mail_owner; postdrop's group.
    mail_owner: 'postfix',
    setgid_group: 'postdrop',
    inet_interfaces: '127.0.0.1',
    inet_protocols: 'ipv4',
    myhostname: 'mail.test.invalid',
    mydestination: '',
    local_transport: 'error:local delivery is disabled',
    mynetworks: '127.0.0.0/8',
    alias_maps: '',
    alias_database: '',
    smtpd_peername_lookup: 'no',
    smtp_dns_support_level: 'disabled',
    smtpd_relay_restrictions: 'permit_mynetworks, reject_unauth_destination',
    maillog_file: maillog,
    maillog_file_prefixes: dir,
    ...opts.main,
  };
  writeFileSync(path.join(confDir, 'main.cf'), Object.entries(main).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n');
  const services = [`127.0.0.1:${port} inet n - n - - smtpd`, ...SHARED_SERVICES, ...(opts.services ?? [])];
  writeFileSync(path.join(confDir, 'master.cf'), services.join('\n') + '\n');

  let masterPid: number | undefined;
  const stop = async () => {
    const group = masterPid ?? readMasterPid(queueDir);
    spawnSync('/usr/sbin/postfix', ['-c', confDir, 'stop'], { encoding: 'utf8' });
    if (group !== undefined) {
      // `postfix stop` waits for the master only; its children get SIGTERM from it and may
      // still be exiting. Give them a moment, then kill what is left before removing the dir.
      const until = Date.now() + 5000;
      while (groupMembers(group).length && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      for (const pid of groupMembers(group)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const r = spawnSync('/usr/sbin/postfix', ['-c', confDir, 'start'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`postfix did not start: ${r.stderr}${existsSync(maillog) ? readFileSync(maillog, 'utf8') : ''}`);
    masterPid = readMasterPid(queueDir);
    if (masterPid === undefined) throw new Error('postfix started but wrote no master.pid');
    await waitForPort(port);
  } catch (err) {
    await stop();
    throw err;
  }
  const group = masterPid;
  return { port, dir, maillog, queueDir, masterPid: group, processes: () => groupMembers(group), stop };
}

function readMasterPid(queueDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(queueDir, 'pid/master.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}
