/**
 * Whether the page may be left now. A page holding work that leaving would lose (an editor with
 * unsaved changes) registers a guard while it does; whatever would leave it (a navigation in the
 * app, Back and Forward, Log out) asks `mayLeave()` first. A reload or closed tab is the
 * browser's to ask about (beforeunload), see ui/UnsavedChangesGuard.
 *
 * A page may hold several (the Routing page: the defaults and each purpose card). Leaving loses
 * them all at once, so it is one question naming them all, asked by the first guard: one
 * question per form would ask again right after "Discard changes and leave".
 */

/** Asks the user about the unsaved work named in `what`; resolves true to leave. */
export type LeaveGuard = (what: string[]) => Promise<boolean>;

interface Guard {
  /** The work, as the question names it ("this template", "the defaults"). */
  what: string;
  ask: LeaveGuard;
}

const guards = new Set<Guard>();

/** Registers `ask`, guarding `what`, until the returned function is called. */
export function guardLeaving(what: string, ask: LeaveGuard): () => void {
  const guard = { what, ask };
  guards.add(guard);
  return () => {
    guards.delete(guard);
  };
}

/** Whether any guard would ask: without one, a navigation needs no wait and stays synchronous. */
export function leavingIsGuarded(): boolean {
  return guards.size > 0;
}

/** Resolves true when there is nothing to ask about or the user agreed to lose it all, false to stay. */
export async function mayLeave(): Promise<boolean> {
  const all = [...guards];
  if (all.length === 0) return true;
  return all[0].ask([...new Set(all.map((g) => g.what))]);
}
