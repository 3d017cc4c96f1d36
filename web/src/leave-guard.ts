/**
 * Whether the page may be left now. A page holding work that leaving would lose (an editor with
 * unsaved changes) registers a guard while it does; whatever would leave it (a navigation in the
 * app, Back and Forward, Log out) asks `mayLeave()` first. A reload or closed tab is the
 * browser's to ask about (beforeunload), see ui/UnsavedChangesGuard.
 */

/** Asks the user; resolves true to leave. */
export type LeaveGuard = () => Promise<boolean>;

const guards = new Set<LeaveGuard>();

/** Registers `ask` until the returned function is called. */
export function guardLeaving(ask: LeaveGuard): () => void {
  guards.add(ask);
  return () => {
    guards.delete(ask);
  };
}

/** Whether any guard would ask: without one, a navigation needs no wait and stays synchronous. */
export function leavingIsGuarded(): boolean {
  return guards.size > 0;
}

/** Resolves true once every guard agreed (at once when there is none), false at the first that did not. */
export async function mayLeave(): Promise<boolean> {
  for (const ask of [...guards]) if (!(await ask())) return false;
  return true;
}
