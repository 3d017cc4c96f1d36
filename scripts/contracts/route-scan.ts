import ts from 'typescript';

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/** One route as its file registers it: `api.post('/messages', options, handler)`. */
export interface ScannedRoute {
  method: string;
  /** The path as written in the route file (without the /api/v1 prefix). */
  path: string;
  file: string;
  handler: ts.FunctionLikeDeclaration;
}

/** Every route registration in the given route files. */
export function scanRoutes(files: readonly ts.SourceFile[]): ScannedRoute[] {
  const out: ScannedRoute[] = [];
  for (const file of files) {
    const visit = (node: ts.Node) => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && METHODS.has(node.expression.name.text)) {
        const [first] = node.arguments;
        const handler = node.arguments[node.arguments.length - 1];
        if (first && ts.isStringLiteral(first) && first.text.startsWith('/') && handler && (ts.isArrowFunction(handler) || ts.isFunctionExpression(handler))) {
          out.push({ method: node.expression.name.text.toUpperCase(), path: first.text, file: file.fileName, handler });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return out;
}

/** What one `return` of a handler answers: a status, a content type and the value's type. */
export interface Answer {
  status: number;
  /** application/json unless the chain says `.type(…)` or `.header('content-type', …)`. */
  contentType: string;
  /** Undefined: no body (`reply.status(204).send()`). */
  type: ts.Type | undefined;
}

/** Each value a handler can answer with, read from its return statements (not those of nested functions). */
export function answersOf(checker: ts.TypeChecker, handler: ts.FunctionLikeDeclaration): Answer[] {
  const returned: ts.Expression[] = [];
  const body = handler.body;
  if (!body) return [];
  if (!ts.isBlock(body)) returned.push(body);
  else {
    const visit = (node: ts.Node) => {
      if (ts.isFunctionLike(node)) return;
      if (ts.isReturnStatement(node) && node.expression) returned.push(node.expression);
      ts.forEachChild(node, visit);
    };
    ts.forEachChild(body, visit);
  }
  // A handler that sets the content type before returning a string (GET /metrics).
  const headerType = contentTypeSetIn(body);
  return returned.map((expr) => answerOf(checker, expr, headerType));
}

function answerOf(checker: ts.TypeChecker, expr0: ts.Expression, headerType: string | undefined): Answer {
  let expr = expr0;
  while (ts.isAwaitExpression(expr) || ts.isParenthesizedExpression(expr)) expr = expr.expression;
  // `reply.redirect(url)`: a 302 with no body of the handler's (the OAuth2 callback lands the browser on a page).
  if (ts.isCallExpression(expr) && ts.isPropertyAccessExpression(expr.expression) && expr.expression.name.text === 'redirect') return { status: 302, contentType: 'text/plain', type: undefined };
  const chain = replyChain(expr);
  if (chain) {
    const sent = chain.send.arguments[0];
    return { status: chain.status ?? 200, contentType: chain.contentType ?? 'application/json', type: sent ? awaited(checker, checker.getTypeAtLocation(sent)) : undefined };
  }
  const type = awaited(checker, checker.getTypeAtLocation(expr));
  const isText = headerType !== undefined && !!(type.flags & ts.TypeFlags.StringLike);
  return { status: 200, contentType: isText ? headerType : 'application/json', type };
}

function awaited(checker: ts.TypeChecker, type: ts.Type): ts.Type {
  return checker.getAwaitedType(type) ?? type;
}

/** `reply.status(201).type('x').header(…).send(value)`: the pieces of the chain. */
function replyChain(expr: ts.Expression): { send: ts.CallExpression; status?: number; contentType?: string } | undefined {
  if (!ts.isCallExpression(expr) || !ts.isPropertyAccessExpression(expr.expression) || expr.expression.name.text !== 'send') return undefined;
  const out: { send: ts.CallExpression; status?: number; contentType?: string } = { send: expr };
  let cur: ts.Expression = expr.expression.expression;
  while (ts.isCallExpression(cur) && ts.isPropertyAccessExpression(cur.expression)) {
    const name = cur.expression.name.text;
    const [a, b] = cur.arguments;
    if ((name === 'status' || name === 'code') && a && ts.isNumericLiteral(a)) out.status = Number(a.text);
    if (name === 'type' && a && ts.isStringLiteralLike(a)) out.contentType = a.text;
    if (name === 'header' && a && ts.isStringLiteralLike(a) && a.text.toLowerCase() === 'content-type') out.contentType = b && ts.isStringLiteralLike(b) ? b.text.split(';')[0] : 'text/plain';
    cur = cur.expression.expression;
  }
  return out;
}

function contentTypeSetIn(body: ts.Node): string | undefined {
  let found: string | undefined;
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'header') {
      const [a, b] = node.arguments;
      if (a && ts.isStringLiteralLike(a) && a.text.toLowerCase() === 'content-type') found = b && ts.isStringLiteralLike(b) ? b.text.split(';')[0] : 'text/plain';
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  return found;
}

/** The parts of the request a handler reads (`req.body`, `req.query`): each needs a schema. */
export function inputsOf(handler: ts.FunctionLikeDeclaration): string[] {
  const found = new Set<string>();
  const visit = (node: ts.Node) => {
    if (ts.isPropertyAccessExpression(node) && (node.name.text === 'body' || node.name.text === 'query') && ts.isIdentifier(node.expression) && /^(req|request)$/.test(node.expression.text)) found.add(node.name.text);
    ts.forEachChild(node, visit);
  };
  if (handler.body) visit(handler.body);
  return [...found].sort();
}
