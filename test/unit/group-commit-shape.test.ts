import { describe, expect, it } from 'vitest';
import { GROUP_COMMIT_LANES_PG, groupCommitShape, WORKER_GROUP_COMMIT } from '../../src/store/group-commit-shape.js';

/**
 * Which group commit each kind of process gets: on PostgreSQL a process that takes mail in
 * commits on two lanes and a lone job at once (its 202s wait on the commits); a `mailroom
 * worker` commits one batch at a time, its first job waiting 30 ms for company; SQLite has one
 * writer, with a second lane only when its fsync leaves the event loop.
 */
describe('group commit shape by store and role', () => {
  it('gives a PostgreSQL process that takes mail in two lanes and the prompt gathering', () => {
    expect(groupCommitShape({ multiWriter: true, acceptsMail: true, fsyncOffLoop: false })).toStrictEqual({ lanes: GROUP_COMMIT_LANES_PG });
    expect(GROUP_COMMIT_LANES_PG).toBe(2);
  });

  it('gives a PostgreSQL worker one lane and 30 ms of gathering, never committing a lone job at once', () => {
    expect(groupCommitShape({ multiWriter: true, acceptsMail: false, fsyncOffLoop: false })).toStrictEqual(WORKER_GROUP_COMMIT);
    expect(WORKER_GROUP_COMMIT).toStrictEqual({ lanes: 1, gathering: { maxWaitMs: 30, commitAtOnceWhenIdle: false } });
  });

  it('gives SQLite a second lane only when its fsync runs off the event loop', () => {
    expect(groupCommitShape({ multiWriter: false, acceptsMail: true, fsyncOffLoop: true })).toStrictEqual({ lanes: 2 });
    expect(groupCommitShape({ multiWriter: false, acceptsMail: true, fsyncOffLoop: false })).toStrictEqual({ lanes: 1 });
  });
});
