import type { ReactNode } from 'react';
import { Link } from '../router.js';

/** A page header's way to the page that creates a new item there (a server, an account, a rule). */
export function NewItemLink({ to, children }: { to: string; children: ReactNode }) {
  return (
    <Link to={to} className="btn btn-primary">
      {children}
    </Link>
  );
}
