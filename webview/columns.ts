/** The summary table's columns (pure data: the tree sorts by them, the table renders them). */
export const COLUMNS = [
  { key: 'name', title: 'Layer', numeric: false, sortable: true, profile: false },
  { key: 'type', title: 'Type', numeric: false, sortable: true, profile: false },
  { key: 'outputShape', title: 'Output shape', numeric: false, sortable: false, profile: false },
  { key: 'params', title: 'Params', numeric: true, sortable: true, profile: false },
  { key: 'macs', title: 'MACs', numeric: true, sortable: true, profile: false },
  { key: 'groups', title: 'Groups', numeric: true, sortable: true, profile: false },
  { key: 'denseParams', title: 'Dense params', numeric: true, sortable: true, profile: false },
  { key: 'denseMacs', title: 'Dense MACs', numeric: true, sortable: true, profile: false },
  { key: 'saving', title: 'Saving', numeric: true, sortable: true, profile: false },
  // After Profile: the measured time (conv + BN + ReLU fused: on the conv's row), the rate and the intensity.
  { key: 'ms', title: 'Time (ms)', numeric: true, sortable: true, profile: true },
  { key: 'gmacPerSecond', title: 'GMAC/s', numeric: true, sortable: true, profile: true },
  { key: 'intensity', title: 'MACs/byte', numeric: true, sortable: true, profile: true },
] as const;

export type ColumnKey = (typeof COLUMNS)[number]['key'];
export type Column = (typeof COLUMNS)[number];

export const isColumnKey = (key: string): key is ColumnKey => COLUMNS.some((c) => c.key === key);

/** The columns shown: the profile's only once there is one. */
export const shownColumns = (profiled: boolean): readonly Column[] => COLUMNS.filter((c) => profiled || !c.profile);
