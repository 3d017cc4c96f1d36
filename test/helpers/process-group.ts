import { readdirSync, readFileSync } from 'node:fs';

/**
 * The processes of a daemon that calls setsid() (Postfix's master, Dovecot's): its pid is the
 * process group of everything it starts, so the group names the whole instance.
 */

/** Process-group id (field 5 of /proc/<pid>/stat) of a live process; undefined when it is gone or a zombie (it holds nothing any more). */
export function processGroup(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, , group] = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    return state === 'Z' ? undefined : Number(group);
  } catch {
    return undefined;
  }
}

/** Pids of the live processes of a group. */
export function groupMembers(group: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => processGroup(pid) === group);
}

/** SIGKILL to every process of the group, then waits (at most timeoutMs) until none is alive. */
export async function killGroup(group: number, timeoutMs = 5000): Promise<void> {
  try {
    process.kill(-group, 'SIGKILL');
  } catch {
    return; // no process is left in it
  }
  const until = Date.now() + timeoutMs;
  while (groupMembers(group).length && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}
