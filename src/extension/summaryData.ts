/**
 * The core's Summary and the protocol's SummaryData describe the same JSON (DESIGN §4). The protocol restates it
 * so that the webview never sees core types; these two functions are where the compiler checks they agree.
 */
import type { Comparison } from '../model/compare';
import type { Equivalence } from '../model/equivalence';
import type { Summary } from '../model/summarize';
import type { ComparisonData, EquivalenceData, SummaryData } from '../shared/protocol';

/** A compile-time check: if the core's Summary stops fitting SummaryData, this assignment fails to typecheck. */
export function toSummaryData(summary: Summary): SummaryData {
  return summary;
}

/**
 * The other way, for formatSummary on a summary that came back from the webview's saved state (after a reload).
 * The data was validated by isSummaryData; the two differ only in literal types (`type: LeafType` vs string,
 * kernel tuples vs arrays), which the report formatters print as they are.
 */
export function toCoreSummary(data: SummaryData): Summary {
  return data as unknown as Summary;
}

/** The same compile-time check for the core's Comparison. */
export function toComparisonData(comparison: Comparison): ComparisonData {
  return comparison;
}

/** The same compile-time check for the core's Equivalence. */
export function toEquivalenceData(equivalence: Equivalence): EquivalenceData {
  return equivalence;
}
