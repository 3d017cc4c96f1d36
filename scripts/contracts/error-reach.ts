import path from 'node:path';
import ts from 'typescript';

/**
 * Codes raised behind a port: the walk stops at an interface (it cannot know the adapter
 * src/app.ts plugs in), so what each port method's adapters raise is named here. The store's
 * own failures (unavailable, full, duplicate keys) are added to every route by
 * src/http/route-contracts.ts.
 */
export const PORT_ERRORS: Record<string, string[]> = {
  // src/templates/engine.ts: LiquidJS in render threads under limits.
  'TemplateEngine.render': ['TEMPLATE_SYNTAX', 'TEMPLATE_RENDER', 'TEMPLATE_LIMIT', 'RENDER_UNAVAILABLE'],
  // src/secrets/cipher.ts: a stored secret the master key cannot open.
  'SecretRepository.reveal': ['SECRET_KEY_MISMATCH', 'SECRET_KEY_INVALID'],
  // src/secrets/references.ts: env:, file: and provider references.
  'DiagnosticsDeps.resolvePassword': ['SECRET_UNRESOLVED', 'SECRET_PROVIDER_UNSUPPORTED', 'SECRET_KEY_MISMATCH', 'SECRET_KEY_INVALID'],
  // src/probes/connect.ts: the network policy refuses the address before connecting.
  'DiagnosticsRunner.smtp': ['TARGET_NOT_ALLOWED'],
  'DiagnosticsRunner.imap': ['TARGET_NOT_ALLOWED'],
  // src/webhooks/target-guard.ts
  'WebhookTargetGuard.check': ['TARGET_NOT_ALLOWED'],
  // src/secrets/oauth2/connect.ts: at most 100 Connect sign-ins open at once.
  'OAuth2Port.start': ['RATE_LIMITED'],
};

/**
 * The error codes a piece of code can raise, over-approximated: every `ErrorCodes.X` in it and
 * in every function, method and class of src/ it calls or constructs, transitively.
 */
export class ErrorReach {
  private readonly memo = new Map<ts.Node, Set<string>>();
  private readonly srcRoot: string;

  constructor(
    private readonly checker: ts.TypeChecker,
    root: string,
  ) {
    this.srcRoot = path.join(root, 'src') + path.sep;
  }

  codesOf(node: ts.Node): Set<string> {
    const codes = new Set<string>();
    const visited = new Set<ts.Node>();
    this.walk(node, codes, visited);
    return codes;
  }

  private walk(node: ts.Node, codes: Set<string>, visited: Set<ts.Node>): void {
    if (visited.has(node)) return;
    visited.add(node);
    const visit = (n: ts.Node) => {
      if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'ErrorCodes') codes.add(n.name.text);
      if (ts.isIdentifier(n) || ts.isPropertyAccessExpression(n)) {
        for (const decl of this.targets(ts.isPropertyAccessExpression(n) ? n.name : n, codes)) this.walk(decl, codes, visited);
      }
      ts.forEachChild(n, visit);
    };
    visit(node);
  }

  /** The declarations with code that a name refers to (functions, methods, classes in src/). */
  private targets(name: ts.Node, codes: Set<string>): ts.Node[] {
    let symbol = this.checker.getSymbolAtLocation(name);
    if (!symbol) return [];
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    const out: ts.Node[] = [];
    for (const decl of symbol.declarations ?? []) {
      const file = decl.getSourceFile().fileName;
      if (!file.startsWith(this.srcRoot)) continue;
      if (ts.isMethodSignature(decl) || ts.isPropertySignature(decl)) {
        const owner = decl.parent;
        if (ts.isInterfaceDeclaration(owner)) for (const code of PORT_ERRORS[`${owner.name.text}.${symbol.getName()}`] ?? []) codes.add(code);
        continue;
      }
      if (ts.isFunctionDeclaration(decl) || ts.isMethodDeclaration(decl) || ts.isClassDeclaration(decl) || ts.isConstructorDeclaration(decl) || ts.isGetAccessor(decl)) out.push(decl);
      else if (ts.isVariableDeclaration(decl) && decl.initializer && (ts.isArrowFunction(decl.initializer) || ts.isFunctionExpression(decl.initializer) || ts.isCallExpression(decl.initializer))) out.push(decl.initializer);
      else if (ts.isPropertyAssignment(decl) && (ts.isArrowFunction(decl.initializer) || ts.isFunctionExpression(decl.initializer))) out.push(decl.initializer);
    }
    return out;
  }
}

/** PORT_ERRORS names only interface methods that exist (a renamed port must not silently drop its codes). */
export function missingPortNames(program: ts.Program, root: string): string[] {
  const found = new Set<string>();
  const srcRoot = path.join(root, 'src') + path.sep;
  for (const file of program.getSourceFiles()) {
    if (!file.fileName.startsWith(srcRoot)) continue;
    for (const stmt of file.statements) {
      if (!ts.isInterfaceDeclaration(stmt)) continue;
      for (const m of stmt.members) if (m.name && ts.isIdentifier(m.name)) found.add(`${stmt.name.text}.${m.name.text}`);
    }
  }
  return Object.keys(PORT_ERRORS).filter((k) => !found.has(k));
}
