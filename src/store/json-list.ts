/**
 * A subquery yielding the strings of a JSON array bound as one parameter, for `x in (…)` with
 * any number of values under one statement text (no query building, one prepared plan).
 */
export function jsonListSql(postgres: boolean, param: string): string {
  return postgres ? `select jsonb_array_elements_text(${param}::jsonb)` : `select value from json_each(${param})`;
}
