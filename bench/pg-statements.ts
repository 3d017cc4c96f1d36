import type pg from 'pg';

/** One statement's counters in pg_stat_statements (times in ms, wall time on the server). */
interface Counters {
  query: string;
  calls: number;
  plans: number;
  planMs: number;
  execMs: number;
}

/**
 * --statements: what PostgreSQL ran for each phase, by statement, from pg_stat_statements
 * (calls, how many of them were planned, planning and execution time). Needs the extension
 * loaded (`shared_preload_libraries = 'pg_stat_statements'`, with `pg_stat_statements.track_planning
 * = on` for the planning columns) and created in `template1`, since the bench makes a database
 * of its own. Refuses, saying so, where it is not.
 */
export async function statementCounters(client: pg.Client): Promise<() => Promise<Map<string, Counters>>> {
  const present = await client.query(`select 1 from pg_extension where extname = 'pg_stat_statements'`);
  if (!present.rows.length) {
    throw new Error(
      "--statements needs pg_stat_statements in the bench's database: set shared_preload_libraries = 'pg_stat_statements' and pg_stat_statements.track_planning = on, restart PostgreSQL, then CREATE EXTENSION pg_stat_statements in template1",
    );
  }
  return async () => {
    const { rows } = await client.query(
      `select queryid::text as id, query, calls, plans, total_plan_time, total_exec_time from pg_stat_statements s join pg_database d on d.oid = s.dbid where d.datname = current_database()`,
    );
    return new Map(rows.map((r) => [r.id as string, { query: r.query as string, calls: Number(r.calls), plans: Number(r.plans), planMs: Number(r.total_plan_time), execMs: Number(r.total_exec_time) }]));
  };
}

/** The statements of one phase (`after` less `before`), the costliest first, as lines to print. */
export function statementsReport(phase: string, before: Map<string, Counters>, after: Map<string, Counters>, top = 12): string {
  const rows = [...after.entries()]
    .map(([id, a]) => {
      const b = before.get(id);
      return { query: a.query, calls: a.calls - (b?.calls ?? 0), plans: a.plans - (b?.plans ?? 0), planMs: a.planMs - (b?.planMs ?? 0), execMs: a.execMs - (b?.execMs ?? 0) };
    })
    .filter((r) => r.calls > 0)
    .sort((x, y) => y.planMs + y.execMs - (x.planMs + x.execMs));
  const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((s, r) => s + f(r), 0);
  const lines = [`[${phase}] statements: ${sum((r) => r.calls)} calls, ${sum((r) => r.plans)} planned; planning ${sum((r) => r.planMs).toFixed(0)} ms, execution ${sum((r) => r.execMs).toFixed(0)} ms (server wall time)`];
  for (const r of rows.slice(0, top)) {
    lines.push(`  ${String(r.calls).padStart(6)} calls ${String(r.plans).padStart(6)} planned ${r.planMs.toFixed(1).padStart(7)} ms planning ${r.execMs.toFixed(1).padStart(8)} ms execution  ${r.query.replace(/\s+/g, ' ').slice(0, 100)}`);
  }
  return lines.join('\n');
}
