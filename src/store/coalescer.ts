/**
 * Merges the calls that concurrent callers make within one turn of the event loop into one
 * call over all their inputs: N jobs of a group commit that each insert one message become one
 * multi-row statement. The merged call runs after the current turn's microtasks (setImmediate),
 * so every job that is ready to make the call has made it; a job still waiting on I/O joins the
 * next merged call. Each caller gets its own result, or the merged call's error.
 */
export function coalesce<I, O>(run: (inputs: I[]) => Promise<O[]>): (input: I) => Promise<O> {
  let pending: { input: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  const flush = async () => {
    const batch = pending;
    pending = [];
    try {
      const out = await run(batch.map((b) => b.input));
      batch.forEach((b, i) => b.resolve(out[i]));
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  };
  return (input) =>
    new Promise<O>((resolve, reject) => {
      if (pending.length === 0) setImmediate(() => void flush());
      pending.push({ input, resolve, reject });
    });
}
