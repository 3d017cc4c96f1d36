import { useCallback, useEffect, useRef, useState } from 'react';
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
 */
export function useResource<T>(load: () => Promise<T>, deps: unknown[]): Resource<T> {
  const [state, setState] = useState<{ data: T | undefined; error: string | null; loading: boolean }>({ data: undefined, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const loader = useCallback(load, deps);
  useEffect(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    loader().then(
      (data) => mine === seq.current && setState({ data, error: null, loading: false }),
      (err: unknown) => mine === seq.current && setState((s) => ({ data: s.data, error: errorMessage(err), loading: false })),
    );
  }, [loader, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
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

/** Wraps an action: tracks "busy", keeps its error message for display, returns its result. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The field the API blamed, so forms can show the message beside it.
  const [field, setField] = useState<string | null>(null);
  const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    setField(null);
    try {
      return await fn();
    } catch (err) {
      setError(errorMessage(err));
      setField(errorField(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, field, setError, run };
}
