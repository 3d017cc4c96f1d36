import { Fragment, type HTMLAttributes, type ReactNode } from 'react';
import type { Selection } from './useSelection.js';

export interface Column<T> {
  /** The column heading, and the cell's `data-label`: a phone stacks each row and names every value with it. */
  header: string;
  /** A shorter stacked label than the heading. */
  label?: string;
  className?: string;
  cell(row: T): ReactNode;
}

type RowAttributes = HTMLAttributes<HTMLTableRowElement> & { [data: `data-${string}`]: string };

interface Props<T> {
  rows: readonly T[];
  rowKey(row: T): string;
  columns: Column<T>[];
  /** Buttons and links at the end of a row, under a heading only screen readers read. */
  actions?: (row: T) => ReactNode;
  /** A checkbox before each row and "select all" in the heading. */
  selection?: Selection & { allLabel: string; rowLabel(row: T): string };
  /** Attributes of a row's `<tr>`: a class, a click handler, aria-current … */
  rowProps?: (row: T) => RowAttributes;
  /** Rendered after a row: a form that opens below it, say. */
  below?: (row: T) => ReactNode;
  className?: string;
}

/** The lists' table: headings, one row per item, optional selection and row actions; scrolls sideways when it must. */
export function DataTable<T>({ rows, rowKey, columns, actions, selection, rowProps, below, className }: Props<T>) {
  return (
    <div className="table-wrap">
      <table className={className}>
        <thead>
          <tr>
            {selection ? (
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label={selection.allLabel}
                  checked={selection.selected.size === rows.length}
                  onChange={(e) => selection.setAll(e.target.checked ? rows.map(rowKey) : [])}
                />
              </th>
            ) : null}
            {columns.map((c) => (
              <th key={c.header} scope="col">
                {c.header}
              </th>
            ))}
            {actions ? (
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const key = rowKey(row);
            return (
              <Fragment key={key}>
                <tr data-row-key={key} {...rowProps?.(row)}>
                  {selection ? (
                    <td>
                      <input type="checkbox" aria-label={selection.rowLabel(row)} checked={selection.selected.has(key)} onChange={() => selection.toggle(key)} />
                    </td>
                  ) : null}
                  {columns.map((c) => (
                    <td key={c.header} data-label={c.label ?? c.header} className={c.className}>
                      {c.cell(row)}
                    </td>
                  ))}
                  {actions ? <td className="row-actions">{actions(row)}</td> : null}
                </tr>
                {below?.(row)}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
