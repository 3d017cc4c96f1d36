/**
 * A condition as people read it ("data.company = \"Acme\""): the dry run's reasons and the
 * admin UI's rule list word it the same way. No imports, so the UI bundles it as it is.
 */
export function describeCondition(c: { path: string; op: 'eq' | 'neq' | 'in' | 'exists' | 'matches'; value?: unknown }): string {
  const shown = (v: unknown) => JSON.stringify(v);
  switch (c.op) {
    case 'eq':
      return `${c.path} = ${shown(c.value)}`;
    case 'neq':
      return `${c.path} ≠ ${shown(c.value)}`;
    case 'in':
      return `${c.path} in ${shown(c.value)}`;
    case 'exists':
      return c.value === false ? `${c.path} is absent` : `${c.path} is present`;
    case 'matches':
      return `${c.path} matches /${String(c.value)}/`;
  }
}
