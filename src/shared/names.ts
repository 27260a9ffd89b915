/**
 * Short, human names for a summarized network, for headings and panel titles. The core's configName
 * (`resnext50_32x4d(layers=1,1,1,1 … num_classes=10)`) stays the full, exact name shown under the heading.
 */

/** The last path segment of a file path or URL ("/models/tiny.pth" → "tiny.pth"). */
export function baseName(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  return trimmed.split(/[\\/]/).pop() || path;
}

/** The configuration fields a name depends on (a SummaryConfigData or a NetworkConfig). */
interface NamedConfig {
  readonly layers: readonly number[];
  readonly groups: number;
  readonly widthPerGroup: number;
  readonly se?: boolean;
  readonly stem?: string;
  readonly avgDown?: boolean;
  readonly block?: string;
  readonly eca?: boolean;
  readonly stemWidth?: number;
  readonly baseWidth?: number;
}

/** What a description adds to the name: widths, classes, input size (a SummaryConfigData, or an inspection's config with one). */
interface DescribedConfig extends NamedConfig {
  readonly baseWidth: number;
  readonly numClasses: number;
  readonly inputShape: readonly number[];
}

/** "ResNet", "ResNeXt" (grouped 3x3s), "Wide ResNet" (wider than ResNet's, not grouped), with "SE-" for
 * squeeze-and-excitation, "ECA-" for efficient channel attention, "SK-" for selective kernels (SK-SE-… when both). */
function familyWord(config: NamedConfig): string {
  const base = config.groups > 1 || config.widthPerGroup % 64 !== 0 ? 'ResNeXt' : config.widthPerGroup > 64 ? 'Wide ResNet' : 'ResNet';
  const attn = config.se === true ? 'SE-' : config.eca === true ? 'ECA-' : '';
  return `${config.block === 'selective-kernel' ? 'SK-' : ''}${attn}${base}`;
}

const deepStem = (config: NamedConfig): boolean => config.stem === 'deep' || config.stem === 'tiered';

/** A deep stem at least as wide as timm's S (stem_width 64: it ends wider than the base width). */
const wideStem = (config: NamedConfig): boolean => config.stemWidth !== undefined && 2 * config.stemWidth > (config.baseWidth ?? 64);

/** timm's letters for the stem and shortcut variants (Bag of Tricks, He et al. 2019; timm/models/resnet.py): C = deep
 * stem, D = deep stem + avg-down, S = 64-wide deep stem, E = S + avg-down, T = tiered deep stem (+ avg-down). */
function variantLetter(config: NamedConfig): string {
  if (config.stem === 'tiered') return '-T';
  if (config.stem === 'deep') return wideStem(config) ? (config.avgDown === true ? '-E' : '-S') : config.avgDown === true ? '-D' : '-C';
  return '';
}

/** Weighted layers as the papers count them: 3 convs per bottleneck block (2 per BasicBlock), the stem conv, the classifier. */
const depthOf = (config: NamedConfig): number => (config.block === 'basic' ? 2 : 3) * config.layers.reduce((a, b) => a + b, 0) + 2;

/**
 * The network's name as its authors write it, from the architecture alone: "ResNet-50", "ResNeXt-50 32x4d",
 * "Wide ResNet-50-2", "SE-ResNeXt-50 32x4d", "ResNeXt-50-D 32x4d", "ResNeXt-101 32x16d WSL", "ResNeXt-29 8x64d".
 * Depth counts the weighted layers as the papers do: 3 convs per bottleneck block (2 per BasicBlock: ResNet-18/34),
 * the stem conv and the classifier (so timm's ecaresnext50t_32x4d, layers 2-2-2-2, is an ECA-ResNeXt-26-T).
 * The only name for the architectures of the WSL models (ResNeXt-101 32x16d/32x32d/32x48d) is theirs.
 */
export function networkName(config: NamedConfig): string {
  const depth = depthOf(config);
  const family = familyWord(config);
  const name = `${family}-${depth}${variantLetter(config)}`;
  const avgDownOnly = !deepStem(config) && config.avgDown === true ? ' (avg-down)' : '';
  if (family.endsWith('Wide ResNet')) return `${name}-${config.widthPerGroup / 64}${avgDownOnly}`;
  if (family.endsWith('ResNet')) return `${name}${avgDownOnly}`;
  const wsl =
    config.groups === 32 &&
    [16, 32, 48].includes(config.widthPerGroup) &&
    config.layers.join(',') === '3,4,23,3' &&
    config.se !== true &&
    config.eca !== true &&
    config.block === undefined &&
    !deepStem(config);
  return `${name} ${config.groups}x${config.widthPerGroup}d${wsl && avgDownOnly === '' ? ' WSL' : ''}${avgDownOnly}`;
}

/**
 * The family switches that are on, in words: "basic blocks", "SE", "tiered stem (width 12)", "avg-down", "CIFAR 32x32".
 * The quick pick's preset details and the summary's configuration line both show them.
 */
export function variantWords(config: NamedConfig & { readonly cifar?: boolean }, inputPx?: readonly [number, number]): string[] {
  return [
    config.block === 'basic' ? 'basic blocks' : config.block === 'selective-kernel' ? 'selective kernel' : '',
    config.se === true ? 'SE' : config.eca === true ? 'ECA' : '',
    deepStem(config) ? `${String(config.stem)} stem${config.stemWidth !== undefined ? ` (width ${config.stemWidth})` : ''}` : '',
    config.avgDown === true ? 'avg-down' : '',
    config.cifar === true ? (inputPx ? `CIFAR ${inputPx[0]}x${inputPx[1]}` : 'CIFAR') : '',
  ].filter((w) => w !== '');
}

/**
 * "ResNeXt 1-1-1-1, 4×8d, 10 classes": the family (as networkName words it: SE-, Wide, …, with timm's -C/-D), the
 * blocks per stage, cardinality × width per group as in the paper's "32x4d", and whatever differs from torchvision's
 * defaults (base width 64, 1000 classes, 224×224 input).
 */
export function describeNetwork(config: DescribedConfig): string {
  const parts = [`${familyWord(config)}${variantLetter(config)} ${config.layers.join('-')}`];
  if (config.groups > 1 || config.widthPerGroup !== 64) parts.push(`${config.groups}×${config.widthPerGroup}d`);
  if (config.block === 'basic') parts.push('basic blocks');
  if (!deepStem(config) && config.avgDown === true) parts.push('avg-down');
  if (config.stemWidth !== undefined && config.stemWidth !== 32) parts.push(`stem width ${config.stemWidth}`);
  if (config.baseWidth !== 64) parts.push(`base width ${config.baseWidth}`);
  if (config.numClasses !== 1000) parts.push(`${config.numClasses} classes`);
  const [, , h, w] = config.inputShape;
  if (h !== undefined && w !== undefined && (h !== 224 || w !== 224)) parts.push(`${h}×${w} input`);
  return parts.join(', ');
}

/**
 * The name of a network wherever one is shown (titles, tabs, views, notifications, CLI tables, JSON `title`): a
 * preset's authors' name ("SE-ResNeXt-50 32x4d"; presets are the model names without parentheses), else
 * "Custom " + describeNetwork. The exact model string (`resnext50_32x4d(layers=2,1,1,1 …)`) goes under it.
 */
export function modelTitle(model: string, config: DescribedConfig): string {
  return model.includes('(') ? `Custom ${describeNetwork(config)}` : networkName(config);
}

/** "Custom ResNeXt 2-1-1-1, 4×4d, 10 classes — resnext50_32x4d(layers=2,1,1,1 …)": the name, then the exact model where they differ. */
export const titledModel = (title: string, model: string): string => (title === model ? model : `${title} — ${model}`);

/** The heading of a summary: the checkpoint's file name when it came from one, else modelTitle. */
export function shortModelName(summary: {
  readonly model: string;
  readonly config?: DescribedConfig;
  readonly title?: string;
  readonly weights?: string;
}): string {
  if (summary.weights !== undefined && summary.weights !== '') return baseName(summary.weights);
  // A class of the user's (no configuration): its class name.
  if (!summary.config) return summary.title ?? summary.model;
  return modelTitle(summary.model, summary.config);
}

/** What a summary of a class of the user's says under its title (issue 23): where it was read, and what is not known. */
export function readFromLine(r: {
  readonly className: string;
  readonly defined: { readonly file: string; readonly line: number };
  readonly at: { readonly file: string; readonly cell?: number; readonly line: number; readonly call: string };
  readonly inputShape: readonly number[];
  readonly macsKnown: boolean;
  readonly why?: string;
}): string {
  const at = `${baseName(r.at.file)}${r.at.cell !== undefined ? ` cell ${r.at.cell}` : ''}:${r.at.line}`;
  return (
    `read from your code: class ${r.className} (${r.defined.file}:${r.defined.line}), built at ${at} as ${r.at.call}(…); nothing was run · ` +
    `input ${r.inputShape.join('×')}` +
    (r.macsKnown ? '' : ` · output shapes and MACs not known: ${r.why ?? 'forward() was not followed'}`)
  );
}
