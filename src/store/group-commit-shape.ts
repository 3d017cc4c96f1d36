import type { GroupGathering } from './store.js';

/**
 * How a process's group commit batches its jobs: how many batches may commit at once (lanes)
 * and how a batch gathers company. It depends on the store and on whether callers wait on the
 * commits (a process that takes mail in answers its 202s only once they are committed).
 */
export interface GroupCommitShape {
  lanes: number;
  /** Unset: the store's prompt gathering (a lone job commits at once). */
  gathering?: GroupGathering;
}

/**
 * Group-commit batches that may commit at once on PostgreSQL (its pool holds 10 connections)
 * for a process that takes mail in. Two, not more: since a batch's writes merge into a handful
 * of multi-row statements (pg-batched-writes.ts), a batch is a few round trips, and each further
 * lane only splits the same jobs into more, smaller transactions, each costing PostgreSQL and
 * the driver the same fixed work (measured on one 2-core machine: 4 lanes 0.85–0.92 ms of CPU
 * per message, Mailroom and PostgreSQL together; 2 lanes 0.69–0.73). One lane leaves the next
 * batch waiting for the whole commit, and the accepts in it their 202s (the machine idles
 * between them).
 */
export const GROUP_COMMIT_LANES_PG = 2;

/**
 * A `mailroom worker` commits only its claims and its attempts' outcomes, which no caller waits
 * for, and has no accepted messages to share its transactions with. Committing each lone job at
 * once (as a process serving the API must) made batches of ~13 outcomes and tripled the
 * database transactions per message of two processes against one; letting the first job wait
 * 10 ms for company, on two lanes, brought two processes to a median 1.31× one process's CPU
 * per message. One batch at a time, gathering 30 ms, makes its transactions bigger still
 * (jobs queue while a batch commits and go together in the next): measured on one 2-core
 * machine with `npm run bench -- --messages 10000 --postgres … --workers 1 --scale`, two
 * processes reached 0.84–0.99× one process's rate (median 0.95) at 1.07–1.29× its CPU per
 * message (median 1.16; 8 runs), against 0.76–1.00× (median 0.85) at 1.10–1.50× (median 1.26;
 * 4 runs alternated with them; 12 runs of the day median 1.28); 50 ms gave no more (one run:
 * 0.88, 1.32). At a paced 300 messages a second (`npm run bench:paced -- --postgres …
 * --workers 1 --rate 300`, 3 runs against 2 of the code before) the worker spent 0.42–0.54 ms
 * of CPU per message instead of 0.88–0.94, both processes and PostgreSQL 4.07–4.35 instead of
 * 4.63–4.66. The price: a worker starts a message up to 30 ms later, plus the batch committing
 * before it (an urgent one as well, unless every slot is taken and it is claimed into the
 * urgent reserve, which commits on its own: dispatcher.ts), and records an outcome as much
 * later; `mailroom start` claims a bigger share meanwhile, so its accept latency's tail at that
 * paced load moved from p99 100 and 107 ms to 94, 150 and 205 ms.
 */
export const WORKER_GROUP_COMMIT: Required<GroupCommitShape> = { lanes: 1, gathering: { maxWaitMs: 30, commitAtOnceWhenIdle: false } };

/**
 * The shape for this process: `multiWriter` (PostgreSQL), whether it takes mail in, and whether
 * its SQLite commits fsync off the event loop (wal-sync.ts: the next batch writes while the
 * previous one's fsync is in flight, so two lanes; otherwise SQLite's one writer, one lane).
 */
export function groupCommitShape(o: { multiWriter: boolean; acceptsMail: boolean; fsyncOffLoop: boolean }): GroupCommitShape {
  if (o.multiWriter) return o.acceptsMail ? { lanes: GROUP_COMMIT_LANES_PG } : WORKER_GROUP_COMMIT;
  return { lanes: o.fsyncOffLoop ? 2 : 1 };
}
