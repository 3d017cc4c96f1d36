import type { ReactNode } from 'react';
import { PageHeader } from './PageHeader.js';

/**
 * A page that is an admin's to use, opened by its address by anyone else (the menu does not
 * list it for them): what it is for and who may use it, in words, instead of the API's refusal
 * in red above a filter and forms whose every request would be refused.
 */
export function AdminsOnly({ title, subtitle, children }: { title: string; subtitle?: ReactNode; children: ReactNode }) {
  return (
    <>
      <PageHeader title={title} subtitle={subtitle} />
      <section className="card" data-testid="admins-only">
        {children}
      </section>
    </>
  );
}
