import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { errorField, errorMessage } from './api.js';

export interface Resource<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload(): void;
}

/**
 * Loads something when the component mounts and whenever `deps` change; `reload` fetches
 * again. Answers that arrive after a newer request started are dropped.
 *
 * While new `deps` load, the previous data stays (no spinner flashing at every filter change).
 * If they are refused, that data goes: it answered other `deps` (a list under the filter before,
 * beside the refusal of this one, read as this filter's result). A failed `reload` of the same
 * `deps` keeps what they last gave, beside the error.
 */
export function useResource<T>(load: () => Promise<T>, deps: unknown[]): Resource<T> {
  // `of`: the loader (so the deps) whose answer `data` is.
  const [state, setState] = useState<{ data: T | undefined; of: unknown; error: string | null; loading: boolean }>({ data: undefined, of: undefined, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const loader = useCallback(load, deps);
  useEffect(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    loader().then(
      (data) => mine === seq.current && setState({ data, of: loader, error: null, loading: false }),
      (err: unknown) =>
        mine === seq.current && setState((s) => (s.of === loader ? { ...s, error: errorMessage(err), loading: false } : { data: undefined, of: undefined, error: errorMessage(err), loading: false })),
    );
  }, [loader, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** Runs `fn` every `ms` while `active`; stops when the component unmounts. */
export function useInterval(fn: () => void, ms: number, active: boolean): void {
  const saved = useRef(fn);
  useEffect(() => {
    saved.current = fn;
  });
  useEffect(() => {
    if (!active) return;
    const id = window.setInterval(() => saved.current(), ms);
    return () => window.clearInterval(id);
  }, [ms, active]);
}

/**
 * Wraps an action: tracks "busy", keeps its error message for display, returns its result.
 *
 * Given the form's `draft` (anything JSON can hold), a refusal speaks of the values that were
 * sent: `error` and `field` hold while the form still shows them and go once it is edited (edit it
 * back and they return, since they are true again). Without a draft they stay until the next run.
 */
export function useAction(draft?: unknown) {
  const [busy, setBusy] = useState(false);
  const [error, setErrorState] = useState<string | null>(null);
  // The field the API blamed, so forms can show the message beside it.
  const [field, setField] = useState<string | null>(null);
  const current = draft === undefined ? null : JSON.stringify(draft);
  // Read when an action starts: updated as soon as a render is committed, before the next event.
  const draftNow = useRef(current);
  useLayoutEffect(() => {
    draftNow.current = current;
  });
  // The draft as it was when the error arose.
  const [sent, setSent] = useState<string | null>(null);
  const setError = useCallback((message: string | null) => {
    setSent(draftNow.current);
    setErrorState(message);
  }, []);
  const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setSent(draftNow.current);
    setErrorState(null);
    setField(null);
    try {
      return await fn();
    } catch (err) {
      setErrorState(errorMessage(err));
      setField(errorField(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  const holds = sent === current;
  return { busy, error: holds ? error : null, field: holds ? field : null, setError, run };
}
