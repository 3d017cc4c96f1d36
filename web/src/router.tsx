import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';
import { leavingIsGuarded, mayLeave } from './leave-guard.js';

/**
 * A tiny history-API router: the server answers every non-API path with index.html, so
 * paths like /messages/01J… can be bookmarked and reloaded.
 *
 * A navigation away from a page with unsaved work waits for its leave guard (leave-guard.ts).
 * Back and Forward cannot be cancelled (the address bar has changed when `popstate` arrives), so
 * a guarded one is undone by as many steps as it took, then asked about, then made again if the
 * user agrees. For that every entry this app makes carries its position in the tab's history.
 *
 * Only a new path leaves a page: Routes picks the page by its path, so a move that changes the
 * query alone (a list's filter, /api-keys?unused=90) keeps the page and whatever it holds, and
 * asks nothing. A page that starts afresh with its query asks itself (Domains).
 */
const EVENT = 'mailroom:navigate';
const INDEX = 'mailroomIndex';

const addressBar = () => window.location.pathname + window.location.search;
const pathOf = (location: string) => location.split('?')[0];

function indexIn(state: unknown): number | null {
  const value = state && typeof state === 'object' ? (state as Record<string, unknown>)[INDEX] : undefined;
  return typeof value === 'number' ? value : null;
}

/** Marks the current entry as position `at`, keeping whatever else its state holds. */
function stamp(at: number): void {
  const state: unknown = window.history.state;
  window.history.replaceState({ ...(state && typeof state === 'object' ? state : {}), [INDEX]: at }, '');
}

/** The location the app shows: it moves only with a navigation that was let through. */
let shown = addressBar();
/** The position of the shown entry in this tab's history (kept across reloads in the entry's state). */
let position = indexIn(window.history.state) ?? 0;
stamp(position);

function show(): void {
  shown = addressBar();
  window.dispatchEvent(new Event(EVENT));
}

/** The step a guard refused is being undone: the next popstate is that undoing, then the guard asks. */
let undoing: { steps: number } | null = null;
/** The user agreed to a step: its popstate is let through. */
let agreed = false;

window.addEventListener('popstate', (e) => {
  const to = indexIn(e.state);
  if (undoing) {
    const { steps } = undoing;
    undoing = null;
    void mayLeave().then((leave) => {
      if (!leave) return;
      agreed = true;
      window.history.go(steps);
    });
    return;
  }
  // The same page (a #fragment, another query), a step the user agreed to, or nothing to guard: let it through.
  // An entry without a position was not made by this app (a #fragment link): it follows the shown one.
  const steps = to === null ? 0 : to - position;
  if (agreed || pathOf(addressBar()) === pathOf(shown) || steps === 0 || !leavingIsGuarded()) {
    agreed = false;
    if (to === null) stamp(++position);
    else position = to;
    show();
    return;
  }
  undoing = { steps };
  window.history.go(-steps);
});

function go(to: string, replace: boolean): void {
  if (replace) window.history.replaceState({ [INDEX]: position }, '', to);
  else window.history.pushState({ [INDEX]: ++position }, '', to);
  show();
  window.scrollTo(0, 0);
}

/**
 * Shows `to`. While a page has unsaved work it asks first (and goes only if the user agrees);
 * `discardUnsaved` goes at once, for a navigation that follows from a choice already confirmed
 * (the template just deleted) or from a save (a new rule's own page: nothing is lost).
 */
export function navigate(to: string, opts: { replace?: boolean; discardUnsaved?: boolean } = {}): void {
  if (to === shown) return;
  const replace = opts.replace ?? false;
  if (opts.discardUnsaved || pathOf(to) === pathOf(shown) || !leavingIsGuarded()) return go(to, replace);
  void mayLeave().then((leave) => leave && go(to, replace));
}

function subscribe(cb: () => void): () => void {
  window.addEventListener(EVENT, cb);
  return () => window.removeEventListener(EVENT, cb);
}

/** The current path and query string; re-renders on navigation. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const loc = useSyncExternalStore(subscribe, () => shown);
  const [path, qs = ''] = loc.split('?');
  return { path, query: new URLSearchParams(qs) };
}

/** Matches "/messages/:id" against a path; returns the params or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const s = path.replace(/\/+$/, '').split('/');
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) params[p[i].slice(1)] = decodeURIComponent(s[i]);
    else if (p[i] !== s[i]) return null;
  }
  return params;
}

export function Link({ to, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}
