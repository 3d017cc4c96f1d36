/**
 * `column` is one of the strings of a JSON array bound as one parameter: any number of values
 * under one statement text (no query building, one prepared plan).
 *
 * On PostgreSQL the list is an array built by an InitPlan, `column = any(array(…))`, rather than
 * `column in (select …)`: the planner cannot estimate a set-returning function's rows (it
 * assumes 100), so with the semi-join it chose a hash join over a sequential scan whenever the
 * table looked small to it, and the table it scanned grew with the outbox (20,000 recipient rows:
 * 3.2 ms for two rows' update instead of 0.1 ms). An `= any(array)` condition is an index
 * condition: the primary key (or the column's index) finds the rows, whatever the statistics.
 */
export function inJsonList(postgres: boolean, column: string, param: string): string {
  return postgres ? `${column} = any(array(select jsonb_array_elements_text(${param}::jsonb)))` : `${column} in (select value from json_each(${param}))`;
}

/** The same for a field of the objects of a JSON array (the rows a batched write sends), PostgreSQL. */
export function inJsonField(column: string, param: string, field: string): string {
  return `${column} = any(array(select e ->> '${field}' from jsonb_array_elements(${param}::jsonb) as e))`;
}
