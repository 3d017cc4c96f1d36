import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { postgresAvailable } from '../helpers/dialects.js';
import { apiRequest } from '../helpers/http.js';
import { scaleOutFixture } from '../helpers/scaleout.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * Two processes share one PostgreSQL outbox (`mailroom start` taking the API requests and
 * sending, `mailroom worker` sending), and the worker is killed with SIGKILL in the middle of
 * a 3,000-message run. Nothing acknowledged is lost: the survivor takes the dead worker's
 * claims over when their lease ends (MAILROOM_OUTBOX_LEASE_MS, short here so the test does not
 * wait five minutes), and a message delivered twice can only be one the dead worker held
 * claimed and unrecorded at the kill (its in-flight batch), counted at the sink by subject.
 */
/**
 * The count only has to put the kill in the middle of the run: it comes once a fifth (600) has
 * been delivered and the worker holds claims, with ~2,400 still to be submitted and sent after
 * it, so the survivor works on beside the dead worker's claims and then takes them over, as it
 * did with 10,000 (whose time went into submitting them: ~20 s on CI).
 */
const N = 3_000;
/**
 * Renewed every third of it (~1.7 s): only a process stalled for 3 s could lose a claim it is
 * still sending, and the survivor renews its own before it looks for ended leases. The takeover
 * comes 5–10 s after the kill (the lease, then the next look, every 5 s) instead of 10–15 s.
 */
const LEASE_MS = 5_000;
const pgOk = await postgresAvailable();
const sinkOk = haveSmtpSink();

describe.skipIf(!pgOk || !sinkOk)('SIGKILL of one of two PostgreSQL workers in the middle of a 3,000-message run', () => {
  const f = scaleOutFixture('scaleout', { MAILROOM_OUTBOX_LEASE_MS: String(LEASE_MS) });
  const { env } = f;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  afterAll(() => agent.destroy());

  it('loses nothing; duplicates only among the killed worker\'s in-flight claims', async () => {
    const key = (await runCli(['--create-store', 'apikey', 'create', '--name', 'scaleout', '--scopes', 'send,read'], env())).stdout.trim();
    const api = await startCli(env());
    f.running.push(api);
    const worker = await startCli(env(), 90_000, 'worker');
    f.running.push(worker);
    const { url } = api;
    const victim = worker;
    const ownedByVictim = `%:${victim.child.pid}:%`;
    const heldByVictim = async () =>
      (await f.admin.query<{ subject: string }>("select subject from messages where status = 'sending' and lease_owner like $1", [ownedByVictim])).rows.map((r) => r.subject);

    let next = 0;
    const submit = async () => {
      while (next < N) {
        const i = next++;
        const res = await apiRequest(`${url}/api/v1/messages`, key, 'POST', { to: [`r${i % 20}@example.net`], subject: `scale ${i}`, text: `body ${i}`, idempotencyKey: `scale-${i}` }, agent);
        expect(res.status, res.body).toBe(202);
      }
    };
    // The kill: once a fifth has been delivered and the worker holds claims of its own (frozen
    // with SIGSTOP while that is checked, then SIGKILL: a crash at the moment it was frozen).
    let held: string[] = [];
    let deliveredBeforeKill = 0;
    /** Messages seen claimed by the worker before the kill (sampled: it shares the work). */
    const seenWithVictim = new Set<string>();
    let killedAt = 0;
    const kill = async () => {
      for (;;) {
        const now = await heldByVictim();
        for (const s of now) seenWithVictim.add(s);
        if (f.sink.count() >= N / 5 && now.length > 0) {
          // Frozen, it can record nothing more: if it still holds claims now, the kill comes at
          // this instant (a SIGKILL right after a look could find it had just finished them all).
          // What it sent just before the freeze (an outcome batch and its COMMIT, pipelined) is
          // still run by its PostgreSQL backend: look once that has settled.
          victim.child.kill('SIGSTOP');
          await new Promise((r) => setTimeout(r, 300));
          if ((await heldByVictim()).length > 0) break;
          victim.child.kill('SIGCONT');
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      victim.child.kill('SIGKILL');
      await victim.stop('SIGKILL');
      killedAt = Date.now();
      deliveredBeforeKill = f.sink.count();
      // What it held claimed and had not recorded: sent or not, only these may go out twice.
      held = await heldByVictim();
    };
    const started = Date.now();
    await Promise.all([kill(), ...Array.from({ length: 16 }, submit)]);
    const submittedMs = Date.now() - started;
    expect(killedAt).toBeGreaterThan(0);

    const unfinished = async () => Number((await f.admin.query("select count(*)::int as n from messages where status in ('queued', 'sending', 'deferred')")).rows[0].n);
    await expect.poll(unfinished, { timeout: 120_000, interval: 500 }).toBe(0);
    const doneMs = Date.now() - started;

    const perSubject = new Map<string, number>();
    for (const dump of f.sink.messages()) {
      const subject = /^Subject: (.*)$/m.exec(dump)?.[1] ?? '';
      perSubject.set(subject, (perSubject.get(subject) ?? 0) + 1);
    }
    const lost = Array.from({ length: N }, (_, i) => `scale ${i}`).filter((s) => !perSubject.has(s));
    const duplicated = [...perSubject].filter(([, n]) => n > 1).map(([s]) => s);
    const statuses = (await f.admin.query<{ status: string; n: number }>('select status, count(*)::int as n from messages group by status')).rows;
    console.log(
      `[scaleout crash] ${N} messages; delivered before the kill ${deliveredBeforeKill} (seen claimed by the worker: ${seenWithVictim.size}); ` +
        `held by the killed worker ${held.length}; duplicates ${duplicated.length}; lost ${lost.length}; ` +
        `all accepted after ${submittedMs} ms, killed at ${killedAt - started} ms, all sent after ${doneMs} ms (lease ${LEASE_MS} ms)`,
    );
    expect(lost).toEqual([]);
    expect(statuses).toEqual([{ status: 'sent', n: N }]);
    expect(held.length).toBeGreaterThan(0);
    expect(duplicated.filter((s) => !held.includes(s))).toEqual([]);
    expect(perSubject.size).toBe(N);
    expect([...perSubject.values()].every((n) => n <= 2)).toBe(true);
  }, 300_000);
});
