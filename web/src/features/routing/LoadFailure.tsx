import { ErrorBox } from '../../ui/index.js';

/**
 * Why a page's data did not load, each different reason once, and *Try again*: in place of the
 * page's cards, so no spinner turns for a request that has already failed.
 */
export function LoadFailure({ errors, retrying, onRetry }: { errors: (string | null)[]; retrying: boolean; onRetry(): void }) {
  const reasons = [...new Set(errors.filter((e): e is string => Boolean(e)))];
  if (reasons.length === 0) return null;
  return (
    <div className="load-failure">
      {reasons.map((reason) => (
        <ErrorBox key={reason} error={reason} />
      ))}
      <button type="button" className="btn" onClick={onRetry} disabled={retrying}>
        {retrying ? 'Trying again…' : 'Try again'}
      </button>
    </div>
  );
}
