/** The report formats' number and shape formatting: one implementation, in src/shared (pure, no TF.js). */
export { formatConvShares, formatInt, formatMiB, formatSaving, formatShape, formatSi } from '../../shared/format';
