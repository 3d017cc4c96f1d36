import { createRequire } from 'node:module';

/** The Ajv Fastify itself validates requests with (a dependency of fastify, not a new one). */
const require = createRequire(createRequire(import.meta.url).resolve('@fastify/ajv-compiler'));
type Validate = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
const Ajv = require('ajv') as new (opts: object) => { compile(schema: object): Validate; addFormat(name: string, format: RegExp): void };

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
}

/**
 * Checks real answers against the OpenAPI document the server publishes: the status must be
 * one the operation lists, a JSON body must match its schema, and an error's code must be one
 * the document names for that status. Returns what is wrong ([] when the answer is documented).
 */
export class DocumentChecker {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly compiled = new Map<object, Validate>();

  constructor(private readonly doc: OpenApiDocument) {
    // The formats the document uses: timestamps as the API writes them (toISOString), binary bodies.
    this.ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    this.ajv.addFormat('binary', /[^]*/);
  }

  /** The operation serving a concrete path ("/api/v1/messages/msg_1" → "/api/v1/messages/{id}"). */
  operation(method: string, url: string): { template: string; op: Operation } | undefined {
    const path = url.split('?')[0];
    const candidates = Object.entries(this.doc.paths).filter(([template, ops]) => ops[method.toLowerCase()] && new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
    // A static segment wins over a parameter (/messages/stats over /messages/{id}), as in Fastify's router.
    candidates.sort((a, b) => (a[0].match(/\{/g)?.length ?? 0) - (b[0].match(/\{/g)?.length ?? 0));
    const [hit] = candidates;
    return hit ? { template: hit[0], op: hit[1][method.toLowerCase()] } : undefined;
  }

  problems(method: string, url: string, status: number, contentType: string | undefined, body: string): string[] {
    const where = `${method} ${url.split('?')[0]} → ${status}`;
    const found = this.operation(method, url);
    if (!found) return [`${where}: no operation in the document`];
    const response = found.op.responses[String(status)];
    if (!response) return [`${where}: status ${status} is not documented (documented: ${Object.keys(found.op.responses).join(', ')})`];
    if (!body) return [];
    const type = (contentType ?? 'application/json').split(';')[0].trim();
    const media = response.content?.[type];
    if (!media) return [`${where}: content type ${type} is not documented`];
    if (type !== 'application/json' || !media.schema) return [];
    const schema = media.schema;
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(closed(schema));
      this.compiled.set(schema, validate);
    }
    const data = JSON.parse(body) as unknown;
    if (validate(data)) return [];
    return (validate.errors ?? []).map((e) => `${where}: ${e.instancePath || '(body)'} ${e.message ?? ''} — ${JSON.stringify(valueAt(data, e.instancePath)).slice(0, 200)}`);
  }
}

function valueAt(data: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), data);
}

/**
 * The schema with every object closed (additionalProperties: false where it names its
 * properties and says nothing else): a field the server sends that the document does not
 * describe is a problem too.
 */
function closed(schema: unknown): object {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema as object;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'enum' || k === 'required' ? v : closed(v);
  if (out.properties && !('additionalProperties' in out) && !out.anyOf) out.additionalProperties = false;
  return out;
}
