import type { ReactNode } from 'react';

/** The kinds styles.css draws (`.badge-<kind>`); any other would silently look neutral. */
export type BadgeKind = 'neutral' | 'ok' | 'bad' | 'warn' | 'info';

export function Badge({ children, kind = 'neutral', title }: { children: ReactNode; kind?: BadgeKind; title?: string }) {
  return (
    <span className={`badge badge-${kind}`} title={title}>
      {children}
    </span>
  );
}
