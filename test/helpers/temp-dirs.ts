import { rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tempDir } from './diagnostics-peers.js';

/** A maker of fresh temporary directories named `prefix…`, each removed after the file's tests. */
export function tempDirs(prefix: string): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = tempDir(prefix);
    made.push(d);
    return d;
  };
}
