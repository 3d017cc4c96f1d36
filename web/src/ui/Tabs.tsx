import { useRef, type KeyboardEvent, type ReactNode } from 'react';

interface Props<T extends string> {
  /** Ties the tabs to their panel (TabPanel with the same `id`); unique on the page. */
  id: string;
  label: string;
  tabs: readonly T[];
  // The tabs alone fix T, so a setter of the narrower state type (a union of names) fits onSelect.
  current: NoInfer<T>;
  onSelect(tab: NoInfer<T>): void;
  /** How a tab is worded; the item itself unless told. */
  labelOf?(tab: T): ReactNode;
  /** A tab that cannot be chosen now (greyed out, and skipped by the arrow keys). */
  unavailable?(tab: T): boolean;
}

/** A tab's element id: its name with anything an id list (aria-labelledby) cannot hold spelled out ("de-AT", "Node (nodemailer)"). */
function tabId(id: string, tab: string): string {
  return `${id}-tab-${tab.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.codePointAt(0)?.toString(16)}`)}`;
}

const panelId = (id: string) => `${id}-panel`;

/**
 * A row of tabs, one per item, the current one marked for sight and for screen readers; the panel
 * below is the caller's, in a TabPanel. The WAI-ARIA tabs pattern: the list is one Tab stop (the
 * current tab; roving tabindex), Left/Right move to the previous/next tab and Home/End to the
 * first/last, each choosing it as it gets the focus (a panel here shows at once, nothing loads).
 */
export function Tabs<T extends string>({ id, label, tabs, current, onSelect, labelOf = (t) => t, unavailable }: Props<T>) {
  const list = useRef<HTMLDivElement>(null);
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const open = tabs.filter((t) => !unavailable?.(t));
    const at = open.indexOf(current);
    const to =
      e.key === 'ArrowRight' ? open[(at + 1) % open.length] : e.key === 'ArrowLeft' ? open[(at - 1 + open.length) % open.length] : e.key === 'Home' ? open[0] : e.key === 'End' ? open[open.length - 1] : undefined;
    if (to === undefined) return;
    e.preventDefault();
    onSelect(to);
    // The tab exists already (only its selection changes): it takes the focus now, not after the render.
    list.current?.querySelector<HTMLElement>(`#${CSS.escape(tabId(id, to))}`)?.focus();
  };
  return (
    <div className="tabs" role="tablist" aria-label={label} ref={list} onKeyDown={onKeyDown}>
      {tabs.map((t) => {
        const selected = t === current;
        return (
          <button
            key={t}
            id={tabId(id, t)}
            type="button"
            role="tab"
            aria-selected={selected}
            aria-controls={panelId(id)}
            tabIndex={selected ? 0 : -1}
            className={selected ? 'tab active' : 'tab'}
            onClick={() => onSelect(t)}
            disabled={unavailable?.(t)}
          >
            {labelOf(t)}
          </button>
        );
      })}
    </div>
  );
}

/**
 * The panel of the Tabs with the same `id`: named by the current tab, and a Tab stop of its own
 * (after the tab list) when what it shows holds nothing focusable, such as text or a table.
 */
export function TabPanel({ id, current, children, className }: { id: string; current: string; children: ReactNode; className?: string }) {
  return (
    <div role="tabpanel" id={panelId(id)} aria-labelledby={tabId(id, current)} tabIndex={0} className={className}>
      {children}
    </div>
  );
}
