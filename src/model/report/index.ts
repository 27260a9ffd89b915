import type { Summary } from '../summarize';
import { summaryCsv } from './csv';
import { summaryMarkdown } from './markdown';
import { summaryTable } from './table';

export const SUMMARY_FORMATS = ['table', 'markdown', 'csv', 'json'] as const;
export type SummaryFormat = (typeof SUMMARY_FORMATS)[number];

export function formatSummary(summary: Summary, format: SummaryFormat): string {
  switch (format) {
    case 'table':
      return summaryTable(summary);
    case 'markdown':
      return summaryMarkdown(summary);
    case 'csv':
      return summaryCsv(summary);
    case 'json':
      return JSON.stringify(summary, null, 2) + '\n';
  }
}
