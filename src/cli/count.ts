/** `--count RULE|all` and `--flops` (summarize, compare, scan): parsing and the lines they add to a table. */
import { COUNT_CHOICES, type CountOptions } from '../model/countReport';
import { parseChoice } from './args';

export const COUNT_OPTIONS = { count: { type: 'string' }, flops: { type: 'boolean' } } as const;

export const COUNT_SYNOPSIS = `  --count RULE|all      MACs as ${COUNT_CHOICES.slice(0, -1).join(', ')} count them (default torchvision; all: each
                        rule's total and what it adds; docs/COUNTING.md)   --flops  also FLOPs (2 × MACs)
`;

export function countOptions(values: { readonly count?: unknown; readonly flops?: unknown }): CountOptions {
  const count = values.count === undefined ? undefined : parseChoice('count', values.count as string, COUNT_CHOICES, 'torchvision');
  return { ...(count !== undefined ? { count } : {}), ...(values.flops === true ? { flops: true } : {}) };
}
