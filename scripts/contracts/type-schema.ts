import ts from 'typescript';

/** A JSON schema as the OpenAPI document carries it (draft 2020-12, OpenAPI 3.1). */
export type JsonSchema = { [k: string]: unknown };

/**
 * Turns the TypeScript type of a value a route answers with into the JSON schema of what
 * reaches the client. It applies the API's one rewriting rule (src/http/timestamps.ts): a
 * numeric field named `at` or ending in `At` travels as an ISO 8601 string.
 */
export class TypeSchemas {
  constructor(private readonly checker: ts.TypeChecker) {}

  of(type: ts.Type, field = '', seen: ts.Type[] = []): JsonSchema {
    const c = this.checker;
    const f = type.flags;
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {};
    if (type.isUnion()) return this.union(type.types, field, seen);
    if (f & ts.TypeFlags.StringLiteral) return { type: 'string', enum: [(type as ts.StringLiteralType).value] };
    if (f & ts.TypeFlags.NumberLiteral) return this.number(field, [(type as ts.NumberLiteralType).value]);
    if (f & ts.TypeFlags.BooleanLiteral) return { type: 'boolean', enum: [c.typeToString(type) === 'true'] };
    if (f & (ts.TypeFlags.String | ts.TypeFlags.TemplateLiteral)) return { type: 'string' };
    if (f & ts.TypeFlags.Number) return this.number(field);
    if (f & ts.TypeFlags.Boolean) return { type: 'boolean' };
    if (f & ts.TypeFlags.Null) return { type: 'null' };
    if (f & ts.TypeFlags.BigInt) return { type: 'integer' };
    if (seen.includes(type)) return {};
    const next = [...seen, type];
    if (c.isArrayType(type) || c.isTupleType(type)) {
      const args = c.getTypeArguments(type as ts.TypeReference);
      return { type: 'array', items: args.length === 1 ? this.of(args[0], '', next) : this.union([...args], '', next) };
    }
    const name = type.getSymbol()?.getName();
    if (name === 'Date') return { type: 'string', format: 'date-time' };
    if (name === 'Buffer' || name === 'Uint8Array') return { type: 'string', format: 'binary' };
    if (type.isIntersection() || f & ts.TypeFlags.Object) return this.object(type, next);
    return {};
  }

  /** `at`/`…At` numbers become ISO strings on the way out (http/timestamps.ts). */
  private number(field: string, values?: number[]): JsonSchema {
    if (field === 'at' || /[a-z]At$/.test(field)) return { type: 'string', format: 'date-time' };
    return values ? { type: 'number', enum: values } : { type: 'number' };
  }

  private union(types: readonly ts.Type[], field: string, seen: ts.Type[]): JsonSchema {
    const members = types.filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)));
    const nullable = members.some((t) => t.flags & ts.TypeFlags.Null);
    const rest = members.filter((t) => !(t.flags & ts.TypeFlags.Null));
    const bools = rest.filter((t) => t.flags & ts.TypeFlags.BooleanLiteral);
    const others = bools.length === 2 ? rest.filter((t) => !(t.flags & ts.TypeFlags.BooleanLiteral)) : rest;
    const schemas = [...(bools.length === 2 ? [{ type: 'boolean' }] : []), ...others.map((t) => this.of(t, field, seen))];
    // Literals of one kind collapse into one enum ("queued" | "sent" | null).
    const literal = (s: JsonSchema) => Array.isArray(s.enum) && typeof s.type === 'string' && Object.keys(s).length === 2;
    let merged: JsonSchema[] = schemas;
    if (schemas.length > 1 && schemas.every(literal) && new Set(schemas.map((s) => s.type)).size === 1) {
      merged = [{ type: schemas[0].type, enum: schemas.flatMap((s) => s.enum as unknown[]) }];
    }
    const plainTypes = merged.every((s) => typeof s.type === 'string' && Object.keys(s).length === 1 && s.type !== 'array' && s.type !== 'object');
    if (merged.length === 0) return nullable ? { type: 'null' } : {};
    if (merged.some((s) => Object.keys(s).length === 0)) return {};
    if (merged.length === 1) return nullable ? withNull(merged[0]) : merged[0];
    if (plainTypes) return { type: [...new Set(merged.map((s) => s.type as string)), ...(nullable ? ['null'] : [])] };
    return { anyOf: [...merged, ...(nullable ? [{ type: 'null' }] : [])] };
  }

  private object(type: ts.Type, seen: ts.Type[]): JsonSchema {
    const c = this.checker;
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const prop of c.getPropertiesOfType(type)) {
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      const propType = decl ? c.getTypeOfSymbolAtLocation(prop, decl) : c.getTypeOfSymbol(prop);
      // Methods never travel in JSON.
      if (propType.getCallSignatures().length > 0 && !(propType.flags & ts.TypeFlags.Union)) continue;
      // JSON drops a field whose value is undefined, which `unknown` and `any` allow too.
      const mayBeUndefined = propType.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Undefined) || (propType.isUnion() && propType.types.some((t) => t.flags & ts.TypeFlags.Undefined));
      const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0 || !!mayBeUndefined;
      properties[prop.getName()] = this.of(propType, prop.getName(), seen);
      if (!optional) required.push(prop.getName());
    }
    const schema: JsonSchema = { type: 'object', properties };
    if (required.length) schema.required = required;
    const index = c.getIndexInfosOfType(type).find((i) => i.keyType.flags & ts.TypeFlags.String);
    if (index) schema.additionalProperties = this.of(index.type, '', seen);
    return schema;
  }
}

function withNull(s: JsonSchema): JsonSchema {
  if (typeof s.type === 'string' && s.type !== 'null') {
    const out: JsonSchema = { ...s, type: [s.type, 'null'] };
    if (Array.isArray(s.enum)) out.enum = [...s.enum, null];
    return out;
  }
  return { anyOf: [s, { type: 'null' }] };
}
