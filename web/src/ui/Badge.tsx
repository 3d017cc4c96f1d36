import type { ReactNode } from 'react';

export function Badge({ children, kind = 'neutral', title }: { children: ReactNode; kind?: string; title?: string }) {
  return (
    <span className={`badge badge-${kind}`} title={title}>
      {children}
    </span>
  );
}
