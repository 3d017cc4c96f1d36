import { ESLint } from 'eslint';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The architecture's boundaries are kept by lint (eslint.config.js): these deliberate
 * violations must fail it, and the same imports where they belong must pass.
 */
const eslint = new ESLint();

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', () => {
  it('the core imports nothing outside src/core', async () => {
    expect(await restricted('src/core/outbox/example.ts', "import { createStore } from '../../store/store.js';\nexport const x = createStore;\n")).toHaveLength(1);
    expect(await restricted('src/core/kernel/example.ts', "import { buildServer } from '../../http/server.js';\nexport const x = buildServer;\n")).toHaveLength(1);
    expect(await restricted('src/core/example.ts', "import type { Ports } from '../ports.js';\nexport type X = Ports;\n")).toHaveLength(1);
    // …nor an adapter's library, even a type.
    expect(await restricted('src/core/senders/example.ts', "import type { Kysely } from 'kysely';\nexport type X = Kysely<never>;\n")).toHaveLength(1);
    expect(await restricted('src/core/outbox/example.ts', "import nodemailer from 'nodemailer';\nexport const x = nodemailer;\n")).toHaveLength(1);
    // Inside the core, across capabilities, is fine.
    expect(await restricted('src/core/outbox/example.ts', "import { invalid } from '../kernel/errors.js';\nimport type { Repositories } from '../ports.js';\nexport const x = invalid;\nexport type Y = Repositories;\n")).toEqual([]);
  });

  it('HTTP routes reach the core and the ports, never a store, delivery, secrets or probe adapter', async () => {
    for (const from of ['../../store/store.js', '../../delivery/dispatcher.js', '../../secrets/references.js', '../../probes/runner.js', '../../app.js']) {
      expect(await restricted('src/http/routes/example.ts', `import * as m from '${from}';\nexport const x = m;\n`), from).toHaveLength(1);
    }
    expect(await restricted('src/http/example.ts', "import * as m from '../store/database.js';\nexport const x = m;\n")).toHaveLength(1);
    expect(await restricted('src/http/routes/example.ts', "import { submitMessage } from '../../core/outbox/messages.service.js';\nimport { diagnoseSmtp } from '../../core/probes/diagnostics.service.js';\nimport type { Ports } from '../../ports.js';\nexport const x = [submitMessage, diagnoseSmtp];\nexport type Y = Ports;\n")).toEqual([]);
  });

  it('CLI commands and the other top-level modules import no adapter; the composition root (src/app.ts, src/app-*.ts) may', async () => {
    for (const from of ['../../store/store.js', '../../probes/smtp-runner.js', '../../delivery/dispatcher.js', '../../secrets/keyring.js']) {
      expect(await restricted('src/cli/commands/example.ts', `import * as m from '${from}';\nexport const x = m;\n`), from).toHaveLength(1);
    }
    expect(await restricted('src/cli/example.ts', "import * as m from '../metrics/prometheus.js';\nexport const x = m;\n")).toHaveLength(1);
    expect(await restricted('src/ports.ts', "import type { DB } from './store/schema.js';\nexport type X = DB;\n")).toHaveLength(1);
    expect(await restricted('src/cli/commands/example.ts', "import { createApp } from '../../app.js';\nimport { invalid } from '../../core/kernel/errors.js';\nexport const x = [createApp, invalid];\n")).toEqual([]);
    expect(await restricted('src/app.ts', "import { createStore } from './store/store.js';\nexport const x = createStore;\n")).toEqual([]);
    expect(await restricted('src/app-core.ts', "import { createStore } from './store/store.js';\nexport const x = createStore;\n")).toEqual([]);
    expect(await restricted('src/listen-backlog.ts', "import { createStore } from './store/store.js';\nexport const x = createStore;\n")).toHaveLength(1);
  });
});

/** Every relative import of src/, resolved to the folder it lands in (what the grep in the issue approximates). */
function resolvedImports(): { file: string; target: string }[] {
  const src = path.resolve('src');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk(src);
  const out: { file: string; target: string }[] = [];
  for (const f of files) {
    for (const m of readFileSync(f, 'utf8').matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)'(\.[^']*)'/gm)) {
      out.push({ file: path.relative(src, f), target: path.relative(src, path.resolve(path.dirname(f), m[1])) });
    }
  }
  return out;
}

describe('imports as they resolve', () => {
  const ADAPTERS = ['store', 'delivery', 'secrets', 'probes', 'metrics', 'templates', 'inbound', 'relay', 'webhooks'];
  const top = (p: string) => p.split(path.sep)[0];
  const imports = resolvedImports();

  it('finds the imports it checks', () => {
    expect(imports.length).toBeGreaterThan(500);
    expect(imports.some((i) => i.file === 'app.ts' && top(i.target) === 'store')).toBe(true);
  });

  it('every import of a src/core file stays inside src/core (dynamic imports too)', () => {
    expect(imports.filter((i) => top(i.file) === 'core' && top(i.target) !== 'core')).toEqual([]);
  });

  it('the composition root (src/app.ts and its parts, src/app-*.ts) is the only place outside the adapters that imports one', () => {
    const offenders = imports.filter((i) => !ADAPTERS.includes(top(i.file)) && !/^app(-[\w-]+)?\.ts$/.test(i.file) && ADAPTERS.includes(top(i.target)));
    expect(offenders).toEqual([]);
  });
});
