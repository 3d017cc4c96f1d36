import pg from 'pg';

/**
 * Where the server runs without autovacuum (this machine's PostgreSQL: a test setting), runs
 * ANALYZE on the bench's database once, after the warm-up, as autovacuum's first visit does
 * within a minute on a server with the default settings; returns whether it did.
 *
 * Without it, every table is unanalysed for the whole run, and the plans each connection settled
 * on for the outbox's prepared statements during the warm-up (tables of a few hundred rows, where
 * every index costs the same) are kept to the end: in one run, auto_explain showed the outcome's
 * recipients updated through (lower(address), message_id), a whole-index read per recipient,
 * ~1 ms each at 30,000 messages, on two of the API process's connections and not on the others.
 * That measures a database no default installation keeps past its first minute (docs/performance.md,
 * twentieth session). ANALYZE invalidates the kept plans: each connection plans again.
 */
export async function analyzeWithoutAutovacuum(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ setting: string }>(`select current_setting('autovacuum') as setting`);
    if (rows[0]?.setting !== 'off') return false;
    await client.query('analyze');
    return true;
  } finally {
    await client.end();
  }
}
