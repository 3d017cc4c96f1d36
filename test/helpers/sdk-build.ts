import { randomBytes } from 'node:crypto';
import { copyFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSdk, compile, SDK_DIR } from '../../sdk/scripts/build-lib.js';

export interface SdkBuild {
  dir: string;
  /** tsc's diagnostics for the build (empty: it compiled). */
  problems: string;
  /** The built package's entry point, imported. */
  load<T>(): Promise<T>;
  /** tsc over the build plus one more source file (copied into its src/): the diagnostics. */
  typecheck(file: string): string;
  remove(): void;
}

/**
 * Builds the SDK from an OpenAPI document the way `npm run build` in sdk/ does, into a
 * throw-away folder under sdk/.builds (inside the repository, so its imports resolve to the
 * repository's node_modules), so that parallel test files never share generated files.
 */
export async function buildSdkFrom(document: unknown): Promise<SdkBuild> {
  const dir = path.join(SDK_DIR, '.builds', `${process.pid}-${randomBytes(4).toString('hex')}`);
  const problems = await buildSdk(document as never, dir);
  return {
    dir,
    problems,
    load: async <T>() => (await import(pathToFileURL(path.join(dir, 'dist', 'index.js')).href)) as T,
    typecheck(file) {
      const target = path.join(dir, 'src', path.basename(file));
      copyFileSync(file, target);
      try {
        return compile(path.join(dir, 'tsconfig.json'));
      } finally {
        rmSync(target);
      }
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
