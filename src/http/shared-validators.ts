import { AjvCompiler, type BuildCompilerFromPool } from '@fastify/ajv-compiler';

/**
 * Request validators compiled once per process, for every server it builds. Fastify makes an
 * Ajv instance per server and compiles each route's schemas again at `ready()`: the larger part
 * of building a server (~0.3 s of Ajv code generation for Mailroom's routes). A process that
 * builds several (the test suite builds hundreds; `mailroom` one) reuses what it compiled, keyed
 * by the schema's text: route tables build new schema objects for the same schemas each time.
 */

/** What Fastify passes the compiler for each part of each route (the package's types say a bare schema). */
interface RoutePart {
  schema?: unknown;
  httpPart?: string;
}
type Compile = (part: RoutePart) => unknown;

/** Ajv instances by shared schemas and options (@fastify/ajv-compiler's pool, one for the process). */
const pooledCompilers = AjvCompiler() as unknown as (externalSchemas: unknown, options: unknown) => Compile;

/** Per pooled compiler: its validators by request part and schema text. */
const compiled = new WeakMap<Compile, Map<string, unknown>>();

function buildSharedValidator(externalSchemas: unknown, options: unknown): Compile {
  const compile = pooledCompilers(externalSchemas, options);
  const byText = compiled.get(compile) ?? new Map<string, unknown>();
  compiled.set(compile, byText);
  return (part) => {
    const key = `${part.httpPart}\n${JSON.stringify(part.schema)}`;
    if (!byText.has(key)) byText.set(key, compile(part));
    return byText.get(key);
  };
}

export const sharedValidators = buildSharedValidator as unknown as BuildCompilerFromPool;
