/** `resnext profile` as a console table, Markdown or JSON (schema resnext-inspector/profile@1). */
import type { Profile } from '../profile';
import { formatConvShares, formatInt, formatShape, formatSi } from './format';
import { renderColumns } from './table';

export const PROFILE_FORMATS = ['table', 'markdown', 'json'] as const;
export type ProfileFormat = (typeof PROFILE_FORMATS)[number];

const HEADER = ['Layer', 'Type', 'Output Shape', 'ms', 'Share', 'MACs', 'GMAC/s', 'Bytes', 'MACs/byte'];

function cells(p: Profile): string[][] {
  return p.layers.map((l) => [
    l.name,
    l.groups !== undefined && l.groups > 1 ? `${l.type} (g=${l.groups})` : l.type,
    formatShape(l.outputShape),
    l.ms.toFixed(2),
    `${(100 * l.share).toFixed(1)}%`,
    l.macs === 0 ? '0' : formatSi(l.macs),
    l.gmacPerSecond === 0 ? '' : l.gmacPerSecond.toFixed(1),
    formatSi(l.bytes),
    l.intensity === 0 ? '0' : l.intensity.toFixed(1),
  ]);
}

function headline(p: Profile): string[] {
  const macs = p.layers.reduce((a, l) => a + l.macs, 0);
  return [
    `${p.model}, input ${formatShape(p.inputShape)}, ${p.engine ? `${p.engine.version}, ` : ''}${p.threads} thread${p.threads === 1 ? '' : 's'}, median of ${p.runs} warm runs`,
    `forward ${p.totalMs.toFixed(1)} ms (layers add up to ${p.layersMs.toFixed(1)} ms), ${formatInt(macs)} MACs → ${(macs / (p.totalMs / 1000) / 1e9).toFixed(1)} GMAC/s`,
    formatConvShares(p.convs),
    `ceilings measured in this run: GEMM ${p.peak.gemmGmacPerSecond.toFixed(1)} GMAC/s (one 1x1 conv), memory ${p.peak.memoryGBPerSecond.toFixed(1)} GB/s (elementwise add)`,
    `note: ${p.note}`,
  ];
}

export function formatProfile(p: Profile, format: ProfileFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(p, null, 2) + '\n';
    case 'markdown': {
      const rows = cells(p).map((r) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
      return [
        `### Profile: ${p.model}`,
        '',
        ...headline(p).map((l) => `- ${l}`),
        '',
        `| ${HEADER.join(' | ')} |`,
        `|${HEADER.map((_, i) => (i < 3 ? '---' : '---:')).join('|')}|`,
        ...rows,
        '',
      ].join('\n');
    }
    case 'table': {
      const t = renderColumns(
        HEADER.map((title, i) => ({ title, align: i < 3 ? ('left' as const) : ('right' as const) })),
        cells(p),
      );
      return [...headline(p), '', t.header, '-'.repeat(t.width), ...t.lines, ''].join('\n');
    }
  }
}
