import { AssignTag, CaptureTag, Context, Drop, Liquid, type Template } from 'liquidjs';
import type { EngineOutput, RenderJob, Source } from '../core/templates/ports.js';
import type { RenderLimits } from './limits.js';
import { PARTS, type EngineFailure, type Part } from './render-protocol.js';
import { textFromHtml } from './text-from-html.js';
import { registerFilters, Markup } from './filters.js';

/** A failure of one part, thrown inside the renderer and answered as an EngineFailure. */
export class PartFailure extends Error {
  constructor(readonly failure: EngineFailure) {
    super(failure.message);
  }
}

/**
 * LiquidJS as Mailroom runs it, inside a render thread: templates only from the sources given
 * (an empty in-memory map, and no include, render or layout tag at all, so nothing names a
 * file), own-property lookups, strict variables and filters, `{% if %}` lenient about missing
 * values, HTML output escaped unless `| raw`, its own limits on, dates in UTC.
 */
function engine(limits: RenderLimits, escapeHtml: boolean): Liquid {
  let escape: (this: unknown, v: unknown) => string = String;
  const liquid: Liquid = new Liquid({
    templates: {},
    ownPropertyOnly: true,
    strictFilters: true,
    strictVariables: true,
    lenientIf: true,
    timezoneOffset: 0,
    parseLimit: limits.engineParseChars,
    renderLimit: limits.engineRenderMs,
    memoryLimit: limits.engineMemory,
    ...(escapeHtml
      ? {
          // Markup (a layout's `content`, a `button`) is HTML Mailroom built, and a string this
          // render made as HTML (safeHtml) is output as it is; anything else is escaped.
          outputEscape(this: { context: Context }, v: unknown): string {
            if (v instanceof Markup) return v.html;
            if (typeof v === 'string' && safeHtmlOf(this.context)?.has(v)) return v;
            return escape.call(this, v);
          },
        }
      : {}),
  });
  // LiquidJS's own escape filter (it counts towards the memory limit, like every filter).
  escape = liquid.filters.escape as typeof escape;
  if (escapeHtml) {
    // `{{ x | escape }}` is escaped by the filter: output as it is, not a second time (`&amp;amp;`).
    for (const name of ['escape', 'escape_once', 'xml_escape']) {
      const filter = liquid.filters[name] as (this: { context: Context }, ...args: unknown[]) => unknown;
      liquid.registerFilter(name, function (this: { context: Context }, ...args: unknown[]) {
        const out = filter.apply(this, args);
        if (typeof out === 'string') markSafeHtml(this.context, out);
        return out;
      });
    }
  }
  for (const tag of ['include', 'render', 'layout']) delete liquid.tags[tag];
  liquid.registerTag('assign', StrictAssign);
  liquid.registerTag('capture', CountedCapture);
  registerFilters(liquid);
  return liquid;
}

/**
 * `assign` evaluates its value as leniently as `if` does when lenientIf is on, so
 * `{% assign p = x.__proto__ %}` quietly assigned nothing instead of failing like `{{ x.__proto__ }}`.
 * Here it is as strict as output: a missing variable is an error (`| default:` still works).
 */
class StrictAssign extends AssignTag {
  override *render(ctx: Context): Generator<unknown, void, unknown> {
    // key and value are private in LiquidJS's typings; the tag is theirs, only the leniency changes.
    const self = this as unknown as { key: string; value: { value(ctx: Context, lenient: boolean): unknown } };
    ctx.bottom()[self.key] = yield self.value.value(ctx, false);
  }
}

/**
 * `capture` as LiquidJS has it, with what it captured counted towards the memory limit, as
 * `append` counts what it joins. Uncounted, a capture that doubled itself outside the HTML part
 * (where escaping does not count the output) grew past the limit unseen: into V8's longest string,
 * or into a 134 M-character string that a filter counting nothing (`url_encode`) then copied.
 */
class CountedCapture extends CaptureTag {
  override *render(ctx: Context): Generator<unknown, void, string> {
    yield* super.render(ctx);
    // variable is private in LiquidJS's typings; the tag is theirs, only the count is added.
    const captured: unknown = ctx.bottom()[(this as unknown as { variable: string }).variable];
    if (typeof captured !== 'string') return;
    ctx.memoryLimit.use(captured.length);
    // In HTML, what a capture holds was rendered as HTML already (its `{{ }}` escaped): output
    // again, it is not escaped a second time (`Tom &amp;amp; Jerry`, tags shown as text).
    if (this.liquid.options.outputEscape) markSafeHtml(ctx, captured);
  }
}

/**
 * Strings a render produced as HTML itself (a capture's text, an `escape` filter's result),
 * per render (a register of its context): output, they are written as they are. By value, so a
 * string of the data that is the very same text is written as is too; that text is HTML this
 * template made safe, wherever it appears. A filter applied to one makes a new string, escaped as
 * any other (escaped twice, never not at all).
 */
const SAFE_HTML = 'mailroom.safeHtml';

function safeHtmlOf(ctx: Context): Set<string> | undefined {
  return (ctx as unknown as { registers: Record<string, Set<string> | undefined> }).registers[SAFE_HTML];
}

function markSafeHtml(ctx: Context, html: string): void {
  const safe = safeHtmlOf(ctx) ?? (ctx.setRegister(SAFE_HTML, new Set<string>()) as Set<string>);
  safe.add(html);
}

/**
 * The names every object inherits (`constructor`, `__proto__`, `toString`, `hasOwnProperty` …).
 * LiquidJS's `ownPropertyOnly` exempts its own objects (`forloop`, `tablerowloop`, `empty`,
 * `blank`): their counters are methods it must find on their prototypes. These names are
 * hidden on them too, so `{{ forloop.toString }}` is the usual undefined variable, as on the data.
 */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * A render's context with LiquidJS's drops held to own-property lookups for the inherited
 * names. Every variable read passes here: one set lookup for a name, `instanceof` only for those.
 */
class OwnPropertyContext extends Context {
  override readProperty(obj: Parameters<Context['readProperty']>[0], key: Parameters<Context['readProperty']>[1]): unknown {
    if (typeof key === 'string' && INHERITED.has(key) && obj instanceof Drop) return undefined;
    return super.readProperty(obj, key);
  }

  // No tag Mailroom keeps spawns a context (include and render are removed), but one that did stays held to the rule.
  override spawn(scope: object = {}): Context {
    return new OwnPropertyContext(scope, this.opts, { sync: this.sync, globals: this.globals, strictVariables: this.strictVariables, ownPropertyOnly: this.ownPropertyOnly }, { renderLimit: this.renderLimit, memoryLimit: this.memoryLimit, liquid: this.liquid });
  }
}

export class LiquidRenderer {
  private readonly html: Liquid;
  private readonly plain: Liquid;
  /** Parsed sources by cache key, least recently used first, with the text each was parsed from (see parse). */
  private readonly parsed = new Map<string, { source: string; tpl: Template[] }>();

  /** `progress[0]` says which part is rendering, so a thread stopped at its deadline can be blamed precisely. */
  constructor(
    private readonly limits: RenderLimits,
    private readonly progress?: Int32Array,
  ) {
    this.html = engine(limits, true);
    this.plain = engine(limits, false);
  }

  render(job: RenderJob): EngineOutput {
    const subject = this.part('subject', this.plain, job.subject, job.scope);
    const bodyHtml = job.html ? this.part('html', this.html, job.html, job.scope) : null;
    const bodyText = job.text ? this.part('text', this.plain, job.text, job.scope) : bodyHtml === null ? '' : this.text(bodyHtml);
    let html = bodyHtml;
    let text = bodyText;
    if (job.layout) {
      const scope = { ...job.scope, subject };
      if (bodyHtml !== null) html = this.part('layout.html', this.html, job.layout.html, { ...scope, content: new Markup(bodyHtml) });
      if (job.layout.text) text = this.part('layout.text', this.plain, job.layout.text, { ...scope, content: bodyText });
    }
    // The whole message is held to the cap too; over it, the part that made the most is blamed.
    const sizes: [Part, number][] = [
      [job.layout && bodyHtml !== null ? 'layout.html' : 'html', html?.length ?? 0],
      [job.layout?.text ? 'layout.text' : job.text ? 'text' : 'text from html', text.length],
      ['subject', subject.length],
    ];
    const [largest] = sizes.reduce((a, b) => (b[1] > a[1] ? b : a));
    this.cap(sizes.reduce((n, [, chars]) => n + chars, 0), largest);
    return job.layout ? { subject, html, text, body: { html: bodyHtml, text: bodyText } } : { subject, html, text };
  }

  text(html: string): string {
    this.at('text from html');
    try {
      const text = textFromHtml(html);
      return this.cap(text.length, 'text from html', text);
    } finally {
      this.at('');
    }
  }

  private part(part: Part, liquid: Liquid, src: Source, scope: Record<string, unknown>): string {
    this.at(part);
    try {
      // A context of our own (renderSync takes one in place of the scope): see OwnPropertyContext.
      const out = liquid.renderSync(this.parse(liquid, src), new OwnPropertyContext(scope, liquid.options, { sync: true }, { liquid })) as string;
      return this.cap(out.length, part, out);
    } catch (err) {
      if (err instanceof PartFailure) throw err;
      throw new PartFailure(describe(err, part));
    } finally {
      this.at('');
    }
  }

  private parse(liquid: Liquid, src: Source): Template[] {
    if (!src.cacheKey) return liquid.parse(src.source);
    // A key can come back for other text: a layout deleted and created again starts at version 1
    // once more, and another process may have saved a version this one has parsed under the
    // same name. A hit counts only for the very text (a comparison of a few KB: microseconds,
    // against the parse it saves).
    const hit = this.parsed.get(src.cacheKey);
    if (hit && hit.source === src.source) {
      this.parsed.delete(src.cacheKey);
      this.parsed.set(src.cacheKey, hit);
      return hit.tpl;
    }
    const tpl = liquid.parse(src.source);
    this.parsed.delete(src.cacheKey);
    this.parsed.set(src.cacheKey, { source: src.source, tpl });
    if (this.parsed.size > this.limits.cacheEntries) this.parsed.delete(this.parsed.keys().next().value as string);
    return tpl;
  }

  private cap<T = number>(chars: number, part: Part, value?: T): T {
    if (chars > this.limits.outputChars) {
      throw new PartFailure({ kind: 'limit', limit: 'output', part, message: `the output is over ${this.limits.outputChars} characters, the limit of one message` });
    }
    return (value === undefined ? chars : value) as T;
  }

  private at(part: Part | ''): void {
    if (this.progress) Atomics.store(this.progress, 0, PARTS.indexOf(part));
  }
}

const POSITION = /, line:(\d+), col:(\d+)$/;

/** A LiquidJS error as Mailroom reports it: the kind, the part, the line and column, and the name it is about. */
export function describe(err: unknown, part: Part): EngineFailure {
  const e = err as { name?: string; message?: string; token?: { getPosition?: () => [number, number] }; originalError?: { message?: string } };
  // V8's own limits ("Invalid string length", "Invalid array length") arrive wrapped in LiquidJS's RenderError.
  const outOfRoom = err instanceof RangeError || e.originalError instanceof RangeError;
  const position = e.token?.getPosition?.();
  const raw = String(e.message ?? err).replace(POSITION, '');
  const where = position ? { line: position[0], column: position[1] } : {};
  const cause = `${raw} ${e.originalError?.message ?? ''}`;
  if (/limit exceeded/.test(cause) || outOfRoom) {
    const limit = /memory/.test(cause) || outOfRoom ? 'memory' : /parse/.test(cause) ? 'parse' : 'time';
    return { kind: 'limit', limit, part, ...where, message: `${raw}: the template needs more ${limit === 'time' ? 'time' : limit === 'parse' ? 'text' : 'memory'} than one message may use` };
  }
  if (e.name === 'TokenizationError' || e.name === 'ParseError') {
    const filter = /undefined filter: (\S+)/.exec(raw)?.[1];
    const tag = /tag "?([^"\s]+)"? not found/.exec(raw)?.[1];
    const hint = tag === 'include' || tag === 'render' || tag === 'layout' ? ' (templates cannot include other files; a layout is chosen per template)' : '';
    return { kind: 'syntax', part, ...where, ...(filter ? { filter } : {}), ...(tag ? { tag } : {}), message: `${raw}${hint}` };
  }
  const variable = /undefined variable: (\S+)/.exec(raw)?.[1];
  return { kind: 'render', part, ...where, ...(variable ? { variable } : {}), message: raw };
}
