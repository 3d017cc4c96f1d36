import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/** Stack lines kept per error: enough to name the code that threw, short enough for a log's tail. */
const STACK_LINES = 8;

/**
 * Repeats, after the summary, what failed: each failed test by file and name, and each error
 * thrown outside a test (an unhandled rejection, an uncaught exception) with its message, the
 * file that was running and the top of its stack. The default reporter prints those above the
 * summary, where a CI log cut to its last lines loses them (a run failed on "1 error" with
 * nothing but the file it happened in). Prints nothing when all went well.
 */
export default class FailuresLastReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const failed = testModules.flatMap((m) => {
      const own = m.errors().length ? [`${m.moduleId}: ${m.errors().map(oneLine).join('; ')}`] : [];
      const tests = [...m.children.allTests('failed')].map((t) => `${m.moduleId} > ${t.fullName}: ${t.result().errors?.map(oneLine).join('; ') ?? ''}`);
      return [...own, ...tests];
    });
    if (!failed.length && !unhandledErrors.length) return;
    const lines = ['', '=== What failed, repeated for the end of the log ==='];
    for (const f of failed) lines.push(`FAILED ${f}`);
    for (const e of unhandledErrors) {
      const where = (e as { VITEST_TEST_PATH?: string }).VITEST_TEST_PATH;
      const type = (e as { type?: string }).type ?? 'Error';
      lines.push(`${type.toUpperCase()} while ${where ?? 'no file'} ran: ${oneLine(e)}`);
      for (const l of (e.stack ?? '').split('\n').slice(1, 1 + STACK_LINES)) lines.push(`    ${l.trim()}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

function oneLine(e: { name?: string; message?: string }): string {
  return `${e.name ?? 'Error'}: ${(e.message ?? '').split('\n')[0].slice(0, 300)}`;
}
