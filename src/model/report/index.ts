import type { Summary } from '../summarize';
import type { ClassSummary } from '../../shared/data';
import { summaryCsv } from './csv';
import { jsonText } from './json';
import { summaryMarkdown } from './markdown';
import { summaryTable } from './table';

export const SUMMARY_FORMATS = ['table', 'markdown', 'csv', 'json'] as const;
export type SummaryFormat = (typeof SUMMARY_FORMATS)[number];

const SUMMARY_FORMATTERS: Record<SummaryFormat, (summary: Summary | ClassSummary) => string> = {
  table: summaryTable,
  markdown: summaryMarkdown,
  csv: summaryCsv,
  json: jsonText,
};

export function formatSummary(summary: Summary | ClassSummary, format: SummaryFormat): string {
  return SUMMARY_FORMATTERS[format](summary);
}
