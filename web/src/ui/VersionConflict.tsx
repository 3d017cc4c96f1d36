import { useCallback, useState } from 'react';
import { ApiError } from '../api.js';
import { useAction } from '../hooks.js';
import { ConfirmButton } from './ConfirmButton.js';
import { ErrorBox } from './ErrorBox.js';
import { useFocusOnMount } from './ShownOnce.js';

/** The API's refusal of a save that sent a version no longer stored: someone saved in between. */
export function isVersionConflict(err: unknown): boolean {
  return err instanceof ApiError && err.code === 'MAILROOM_E_VERSION_CONFLICT';
}

/**
 * Whether an edit form's last save was refused as a version conflict, for VersionConflict.
 * `watch(request)` wraps the save's request: it passes the answer or the refusal on unchanged,
 * noting a conflict. `loaded`: the saved version was loaded since (said until the next save).
 */
export function useVersionConflict() {
  const [state, setState] = useState<'none' | 'conflict' | 'loaded'>('none');
  const watch = useCallback(<T,>(request: Promise<T>): Promise<T> => {
    setState('none');
    return request.catch((err: unknown) => {
      if (isVersionConflict(err)) setState('conflict');
      throw err;
    });
  }, []);
  return { conflict: state === 'conflict', loaded: state === 'loaded', watch, markLoaded: useCallback(() => setState('loaded'), []) };
}

export type VersionConflictState = ReturnType<typeof useVersionConflict>;

/**
 * A save refused because someone else saved the thing meanwhile, said in the form's words and
 * naming it as the form does (`what`: "the server “Main relay”"), never by the API's id and
 * version numbers; with *Load the saved version*, which starts the form afresh from what is
 * stored now (`load`). What was typed is dropped, so with typed changes (`dirty`) it asks first.
 * Once loaded, a status says so and takes the focus (the button that had it went with the box).
 */
export function VersionConflict({ state, what, dirty, load }: { state: VersionConflictState; what: string; dirty: boolean; load: () => Promise<void> }) {
  const loading = useAction();
  const run = async () => {
    const ok = await loading.run(async () => {
      await load();
      return true;
    });
    if (ok) state.markLoaded();
  };
  if (state.loaded) return <LoadedNote what={what} />;
  if (!state.conflict) return null;
  return (
    <div className="alert alert-error" role="alert" data-testid="version-conflict">
      <p>
        <strong>Not saved:</strong> someone else changed {what} after you opened it. Load the saved version to see their change, then make yours again.
      </p>
      {dirty ? (
        <ConfirmButton
          label="Load the saved version"
          className="btn btn-small"
          question="Load the saved version? What you typed here is dropped."
          keepLabel="Keep what I typed"
          onConfirm={() => void run()}
          busy={loading.busy}
        />
      ) : (
        <button type="button" className="btn btn-small" onClick={() => void run()} disabled={loading.busy}>
          Load the saved version
        </button>
      )}
      <ErrorBox error={loading.error} title="Not loaded" />
    </div>
  );
}

function LoadedNote({ what }: { what: string }) {
  const ref = useFocusOnMount<HTMLDivElement>();
  return (
    <div className="alert alert-info" role="status" tabIndex={-1} ref={ref} data-testid="version-loaded">
      The saved version of {what} is loaded: make your change again and save.
    </div>
  );
}
