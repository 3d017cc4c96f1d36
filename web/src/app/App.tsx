import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, ApiError, errorMessage, setCsrfToken, setUnauthenticatedHandler, type SessionInfo } from '../api.js';
import { Login } from '../features/access/Login.js';
import { SessionContext, sessionState } from '../features/access/session.js';
import { navigate } from '../router.js';
import { ErrorBox, Spinner } from '../ui/index.js';
import { Layout } from './Layout.js';
import { Routes } from './Routes.js';

type Phase = { kind: 'loading' } | { kind: 'anonymous' } | { kind: 'error'; message: string } | { kind: 'in'; info: SessionInfo };

export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });

  const load = useCallback(async () => {
    try {
      const info = await api.get<SessionInfo>('/session');
      setCsrfToken(info.csrfToken);
      setPhase({ kind: 'in', info });
    } catch (err) {
      setCsrfToken(null);
      if (err instanceof ApiError && err.status === 401) setPhase({ kind: 'anonymous' });
      else setPhase({ kind: 'error', message: errorMessage(err) });
    }
  }, []);

  useEffect(() => {
    void load();
    setUnauthenticatedHandler(() => {
      setCsrfToken(null);
      setPhase({ kind: 'anonymous' });
    });
    return () => setUnauthenticatedHandler(null);
  }, [load]);

  const logout = useCallback(async () => {
    try {
      await api.del('/session');
    } finally {
      setCsrfToken(null);
      setPhase({ kind: 'anonymous' });
      // Log out asked about unsaved work already (Layout): the guards still mounted must not ask again.
      navigate('/', { replace: true, discardUnsaved: true });
    }
  }, []);

  const session = useMemo(() => (phase.kind === 'in' ? sessionState(phase.info, logout, load) : null), [phase, logout, load]);

  if (phase.kind === 'loading') {
    return (
      <div className="center-page">
        <Spinner />
      </div>
    );
  }
  if (phase.kind === 'error') {
    return (
      <div className="center-page">
        <ErrorBox title="Mailroom is not answering" error={phase.message} />
        <button type="button" className="btn" onClick={() => void load()}>
          Try again
        </button>
      </div>
    );
  }
  if (phase.kind === 'anonymous' || !session) return <Login onLoggedIn={() => void load()} />;
  return (
    <SessionContext.Provider value={session}>
      <Layout>
        <Routes />
      </Layout>
    </SessionContext.Provider>
  );
}
