// The admin UI's shared primitives, one concept a file; pages import them from here.
export { Badge } from './Badge.js';
export { ConfirmButton } from './ConfirmButton.js';
export { CopyButton } from './CopyButton.js';
export { DataTable, type Column } from './DataTable.js';
export { Empty } from './Empty.js';
export { ErrorBox } from './ErrorBox.js';
export { Field } from './Field.js';
export { FormActions } from './FormActions.js';
export { errorFor, FieldError } from './FieldError.js';
export { ListState } from './ListState.js';
export { LoadMore } from './LoadMore.js';
export { Notice } from './Notice.js';
export { PageHeader } from './PageHeader.js';
export { ShownOnce } from './ShownOnce.js';
export { Spinner } from './Spinner.js';
export { StatusChip } from './StatusChip.js';
export { useSelection, type Selection } from './useSelection.js';
