import type { DiagnosticResult, DiagnosticStep } from '../core/probes/diagnostics.js';
import { STEP_LABELS } from '../core/probes/step-labels.js';
import { secretRedactor, type SecretInput } from '../core/kernel/redact-secrets.js';

type StepBody<N extends string> = Omit<DiagnosticStep<N>, 'name' | 'durationMs'>;

/**
 * Collects a diagnostic's steps with their durations. After the first failure every later
 * step is reported as skipped ("not run: … failed") so the client always sees the full list.
 */
export class StepRecorder<N extends string> {
  readonly steps: DiagnosticStep<N>[] = [];
  private started = performance.now();
  private secrets: SecretInput[] = [];
  private hide: (text: string) => string = (text) => text;

  /**
   * Secrets that must never appear in a reply, detail or hint: a login ({ value, user }) is
   * hidden with the encodings it travels in (AUTH PLAIN, LOGIN, XOAUTH2), as delivery hides it.
   */
  redactAlso(...values: SecretInput[]): void {
    this.secrets.push(...values);
    this.hide = secretRedactor(this.secrets);
  }

  redact(text: string): string {
    return this.hide(text);
  }

  /** Starts timing the next step. */
  start(): void {
    this.started = performance.now();
  }

  get failed(): boolean {
    return this.steps.some((s) => s.status === 'fail');
  }

  add(name: N, body: StepBody<N>): DiagnosticStep<N> {
    const step: DiagnosticStep<N> = {
      name,
      ...body,
      durationMs: body.status === 'skip' ? 0 : Math.round(performance.now() - this.started),
      detail: this.redact(body.detail),
      ...(body.reply !== undefined ? { reply: this.redact(body.reply) } : {}),
      ...(body.hint !== undefined ? { hint: this.redact(body.hint) } : {}),
    };
    if (step.hint === undefined) delete step.hint;
    this.steps.push(step);
    this.started = performance.now();
    return step;
  }

  pass(name: N, detail: string, extra: Partial<StepBody<N>> = {}): void {
    this.add(name, { status: 'pass', detail, ...extra });
  }

  fail(name: N, detail: string, extra: Partial<StepBody<N>> = {}): void {
    this.add(name, { status: 'fail', detail, ...extra });
  }

  skip(name: N, detail: string, extra: Partial<StepBody<N>> = {}): void {
    this.add(name, { status: 'skip', detail, ...extra });
  }

  /** Reports the steps in `order` that did not run, and the overall verdict. */
  finish(order: readonly N[]): DiagnosticResult<N> {
    const failed = this.steps.find((s) => s.status === 'fail');
    for (const name of order) {
      if (!this.steps.some((s) => s.name === name)) this.skip(name, failed ? `not run: ${STEP_LABELS[failed.name] ?? `the ${failed.name} step`} failed` : 'not run');
    }
    return { ok: !failed, steps: this.steps };
  }
}

/** The error code Node or our own errors carry, for hint lookup. */
export function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown } | undefined;
  return typeof e?.code === 'string' ? e.code : undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
