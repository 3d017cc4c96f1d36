import { createContext, useContext, type ReactNode } from 'react';

const Scope = createContext<string | null>(null);

/**
 * A part of the page that a switch on the same page replaces (the edit form under a table row,
 * the secret shown once above a list). The guards inside it (ui/WorkGuard) belong to `name`, so
 * the switch asks `mayReplace(name)` (leave-guard.ts) about their work only, not about a form
 * elsewhere on the page that the switch leaves alone.
 */
export function WorkScope({ name, children }: { name: string; children: ReactNode }) {
  return <Scope.Provider value={name}>{children}</Scope.Provider>;
}

/** The scope a guard is rendered in, or null outside any. */
export function useWorkScope(): string | null {
  return useContext(Scope);
}
