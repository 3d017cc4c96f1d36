/**
 * Whether the page may be left now. A page holding work that leaving would lose (an editor with
 * unsaved changes, a secret shown once and not copied yet) registers a guard while it does;
 * whatever would leave it (a navigation in the app, Back and Forward, Log out) asks `mayLeave()`
 * first. A reload or closed tab is the browser's to ask about (beforeunload), see ui/WorkGuard.
 *
 * A page may hold several (the Routing page: the defaults and each purpose card). Leaving loses
 * them all at once, so it is one question naming them all, asked by the first guard: one
 * question per form would ask again right after "Discard changes and leave".
 *
 * A switch on the page that replaces one part of it (Edit on another row, a second secret in
 * the place of the one shown) loses only that part's work: `mayReplace(scope)` asks about the
 * guards in that scope alone (ui/WorkScope), and the work elsewhere on the page stays unasked.
 */

/** What would be lost: typed changes, or a value shown only once that was not copied. */
export type WorkKind = 'changes' | 'shown-once';

export interface Work {
  /** The work, as the question names it ("this template", "the key “CI”"). */
  what: string;
  kind: WorkKind;
}

/** Leaving the page, or replacing a part of it while staying: the question's words differ. */
export type Occasion = 'leave' | 'replace';

/** Asks the user about the work; resolves true to let it go. */
export type LeaveGuard = (work: Work[], occasion: Occasion) => Promise<boolean>;

interface Guard extends Work {
  /** The part of the page it belongs to (ui/WorkScope), if any. */
  scope: string | null;
  ask: LeaveGuard;
}

const guards = new Set<Guard>();

/** Registers `ask`, guarding `work` (in `scope`), until the returned function is called. */
export function guardLeaving(work: Work, scope: string | null, ask: LeaveGuard): () => void {
  const guard = { ...work, scope, ask };
  guards.add(guard);
  return () => {
    guards.delete(guard);
  };
}

/** Whether any guard would ask: without one, a navigation needs no wait and stays synchronous. */
export function leavingIsGuarded(): boolean {
  return guards.size > 0;
}

/** One question about all of `these`, asked by the first; true when there is nothing to ask about. */
async function askAbout(these: Guard[], occasion: Occasion): Promise<boolean> {
  if (these.length === 0) return true;
  const seen = new Set<string>();
  const work = these.filter((g) => !seen.has(`${g.kind} ${g.what}`) && seen.add(`${g.kind} ${g.what}`)).map(({ what, kind }) => ({ what, kind }));
  return these[0].ask(work, occasion);
}

/** Resolves true when there is nothing to ask about or the user agreed to lose it all, false to stay. */
export function mayLeave(): Promise<boolean> {
  return askAbout([...guards], 'leave');
}

/** Before the part of the page in `scope` is replaced: true when it holds nothing to lose or the user agreed to lose it. */
export function mayReplace(scope: string): Promise<boolean> {
  return askAbout([...guards].filter((g) => g.scope === scope), 'replace');
}
