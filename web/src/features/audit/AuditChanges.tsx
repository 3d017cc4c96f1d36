import { changesBetween, type Names } from './changes.js';

// Up to this many recorded fields are shown open; a whole created target is folded.
const OPEN = 3;

/**
 * An entry's before/after, said field by field: "from name: Billing → Billing team". An entry
 * with only an after (a creation, a test send) lists what it recorded, a removal what the target
 * held; long lists are folded. Ids are said by the names the server gave them.
 */
export function AuditChanges({ action, before, after, names }: { action: string; before: unknown; after: unknown; names: Names }) {
  const created = before === undefined || before === null;
  const removed = after === undefined || after === null;
  const changes = changesBetween(created ? undefined : before, removed ? undefined : after, names);
  if (!changes.length) return null;
  const list = (
    <ul className="audit-changes">
      {changes.map((c) => (
        <li key={c.field}>
          <span className="audit-field">{c.field}:</span>{' '}
          {created ? c.after : removed ? c.before : (
            <>
              <span className="audit-old">{c.before ?? 'none'}</span> → <span className="audit-new">{c.after ?? 'none'}</span>
            </>
          )}
        </li>
      ))}
    </ul>
  );
  if (!created && !removed) return list;
  if (created && changes.length <= OPEN) return list;
  return (
    <details>
      <summary>{removed ? 'What it held' : action.endsWith('.create') ? 'Created with' : 'Details'}</summary>
      {list}
    </details>
  );
}
