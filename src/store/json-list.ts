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
 *
 * `json`, not `jsonb`: the list is read once, in order; jsonb's input builds a sorted binary
 * document first (for a batch of message rows, 5.4 against 3.1 ms for 56 rows).
 */
export function inJsonList(postgres: boolean, column: string, param: string): string {
  return postgres ? `${column} = any(array(select json_array_elements_text(${param}::json)))` : `${column} in (select value from json_each(${param}))`;
}

/** The same for a field of the objects of a JSON array (the rows a batched write sends), PostgreSQL. */
export function inJsonField(column: string, param: string, field: string): string {
  return `${column} = any(array(select e ->> '${field}' from json_array_elements(${param}::json) as e))`;
}

/**
 * A condition the planner must check row by row, never use to find rows: `(…) is true` equals it
 * for a status (never null) and matches no index. With statistics from a quieter moment (or none,
 * on a new database) PostgreSQL took "every message being sent" or "every queued message" for a
 * few rows and scanned them all to find a batch's ids: the claim of 75 read all 2,700 queued
 * messages (5.6 ms instead of 0.2 ms), growing with the queue. The ids are the index condition.
 */
export const notAnIndexCondition = (condition: string): string => `(${condition}) is true`;
