import { describe, expect, it } from 'vitest';
import { oldestThreads, v8PoolSize } from '../../src/thread-priority.js';

/** Which threads are V8's helpers depends on how many Node started (src/thread-priority.ts). */
describe('v8PoolSize', () => {
  it("is Node's default, 4, when --v8-pool-size is given nowhere", () => {
    expect(v8PoolSize([], '')).toBe(4);
    expect(v8PoolSize(['--import', 'tsx'], '--max-old-space-size=512')).toBe(4);
  });

  it('reads --v8-pool-size from the command line, in either spelling and with = or a separate value', () => {
    expect(v8PoolSize(['--v8-pool-size=2'], '')).toBe(2);
    expect(v8PoolSize(['--v8_pool_size=3'], '')).toBe(3);
    expect(v8PoolSize(['--v8-pool-size', '6'], '')).toBe(6);
  });

  it('reads NODE_OPTIONS, and lets the command line override it, as Node does', () => {
    expect(v8PoolSize([], '--v8-pool-size=3')).toBe(3);
    expect(v8PoolSize(['--v8-pool-size=1'], '--v8-pool-size=3')).toBe(1);
    expect(v8PoolSize(['--v8-pool-size=1', '--v8-pool-size=2'], '')).toBe(2);
  });

  it('says nothing for 0 (Node chooses) or a value it cannot read: then no thread is taken for V8\'s', () => {
    expect(v8PoolSize(['--v8-pool-size=0'], '')).toBeUndefined();
    expect(v8PoolSize(['--v8-pool-size=many'], '')).toBeUndefined();
    expect(v8PoolSize(['--v8-pool-size'], '')).toBeUndefined();
  });
});

/** V8's helpers are the threads Node started first (src/thread-priority.ts); the rest keep their priority. */
describe('oldestThreads', () => {
  it('takes the threads started first after the main one, whatever order /proc lists them in', () => {
    expect(oldestThreads(1000, [1009, 1000, 1003, 1001, 1002, 1012], 4_194_304, 3)).toEqual([1001, 1002, 1003]);
  });

  it('keeps the start order across the wrap of thread ids at pid_max', () => {
    // The main thread near the top; its later threads wrapped round to low ids.
    expect(oldestThreads(32_760, [32_761, 301, 32_763, 32_762, 305, 32_760], 32_768, 4)).toEqual([32_761, 32_762, 32_763, 301]);
  });

  it('takes what there is when fewer threads run', () => {
    expect(oldestThreads(50, [50, 52], 4_194_304, 5)).toEqual([52]);
  });
});
