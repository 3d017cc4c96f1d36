import { ESLint } from 'eslint';
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
});
