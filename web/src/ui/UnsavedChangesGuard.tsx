import { WorkGuard } from './WorkGuard.js';

/**
 * While `dirty`, the form's unsaved changes are not lost without a question (ui/WorkGuard):
 * leaving asks "Leave without saving?", naming `what` ("this template"). Nothing is asked while
 * nothing changed, so right after a save neither: `dirty` says the form differs from what was
 * loaded or saved (see useUnsavedChanges).
 */
export function UnsavedChangesGuard({ dirty, what }: { dirty: boolean; what: string }) {
  return <WorkGuard active={dirty} what={what} kind="changes" />;
}
