import { createContext, useContext } from 'react';
import type { Permission, SessionInfo } from '../../api.js';

export interface SessionState {
  info: SessionInfo;
  /** Whether the logged-in user may do this; the API enforces it anyway. */
  can(p: Permission): boolean;
  logout(): Promise<void>;
  /** Reads the session again (after one's own email or password changed). */
  reload(): Promise<void>;
}

export const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside the logged-in app');
  return s;
}

export function sessionState(info: SessionInfo, logout: () => Promise<void>, reload: () => Promise<void>): SessionState {
  const perms = new Set(info.principal.permissions);
  return { info, can: (p) => perms.has(p), logout, reload };
}
