/** The summary table's columns (pure data: the tree sorts by them, the table renders them). */
export const COLUMNS = [
  { key: 'name', title: 'Layer', numeric: false, sortable: true },
  { key: 'type', title: 'Type', numeric: false, sortable: true },
  { key: 'outputShape', title: 'Output shape', numeric: false, sortable: false },
  { key: 'params', title: 'Params', numeric: true, sortable: true },
  { key: 'macs', title: 'MACs', numeric: true, sortable: true },
  { key: 'groups', title: 'Groups', numeric: true, sortable: true },
  { key: 'denseParams', title: 'Dense params', numeric: true, sortable: true },
  { key: 'denseMacs', title: 'Dense MACs', numeric: true, sortable: true },
  { key: 'saving', title: 'Saving', numeric: true, sortable: true },
] as const;

export type ColumnKey = (typeof COLUMNS)[number]['key'];

export const isColumnKey = (key: string): key is ColumnKey => COLUMNS.some((c) => c.key === key);
