import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The version in Mailroom's package.json, read once: src/processes (tsx) or dist/src/processes
 * (built) sit two or three levels below it. "unknown" when neither holds Mailroom's manifest
 * (a copy of dist/ without it): a process still records itself.
 */
function readVersion(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    const file = path.resolve(here, up);
    if (!existsSync(file)) continue;
    try {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === 'mailroom' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // Unreadable or not JSON: look one level further up.
    }
  }
  return 'unknown';
}

export const MAILROOM_VERSION = readVersion();
