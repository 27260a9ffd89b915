/**
 * torchvision's official ImageNet-1K weights (torchvision 0.26's declarations; see test/fixtures/torchvision_weights.json):
 * file name under the models/ path of PyTorch's download host, the preprocessing resize (crop 224), accuracy. The 8
 * hex digits in a name are the first 8 of the file's SHA-256. resnext101_32x4d has no official weights; resnet152
 * and wide_resnet101_2 are not in the reference list this table was checked against and are left out.
 */
import { ConfigError } from '../errors';
import { isPresetName, PRESET_NAMES, type PresetName } from '../config';

export type WeightsVersion = 'IMAGENET1K_V1' | 'IMAGENET1K_V2';

export interface OfficialWeights {
  readonly preset: PresetName;
  readonly version: WeightsVersion;
  readonly fileName: string;
  /** First 8 hex digits of the file's SHA-256 (the suffix of its name). */
  readonly sha256Prefix: string;
  /** Shorter side before the 224 center crop: 256 for the 2017 recipe, 232 for the newer one. */
  readonly resizePx: number;
  readonly fileSizeMB: number;
  readonly top1: number;
}

const TABLE: readonly [PresetName, WeightsVersion, string, number, number, number][] = [
  ['resnet50', 'IMAGENET1K_V1', 'resnet50-0676ba61.pth', 256, 97.781, 76.13],
  ['resnet50', 'IMAGENET1K_V2', 'resnet50-11ad3fa6.pth', 232, 97.79, 80.858],
  ['resnet101', 'IMAGENET1K_V1', 'resnet101-63fe2227.pth', 256, 170.511, 77.374],
  ['resnet101', 'IMAGENET1K_V2', 'resnet101-cd907fc2.pth', 232, 170.53, 81.886],
  ['resnext50_32x4d', 'IMAGENET1K_V1', 'resnext50_32x4d-7cdf4587.pth', 256, 95.789, 77.618],
  ['resnext50_32x4d', 'IMAGENET1K_V2', 'resnext50_32x4d-1a0047aa.pth', 232, 95.833, 81.198],
  ['resnext101_32x8d', 'IMAGENET1K_V1', 'resnext101_32x8d-8ba56ff5.pth', 256, 339.586, 79.312],
  ['resnext101_32x8d', 'IMAGENET1K_V2', 'resnext101_32x8d-110c445d.pth', 232, 339.673, 82.834],
  ['resnext101_64x4d', 'IMAGENET1K_V1', 'resnext101_64x4d-173b62eb.pth', 232, 319.318, 83.246],
  ['wide_resnet50_2', 'IMAGENET1K_V1', 'wide_resnet50_2-95faca4d.pth', 256, 131.82, 78.468],
  ['wide_resnet50_2', 'IMAGENET1K_V2', 'wide_resnet50_2-9ba9bcbe.pth', 232, 263.124, 81.602],
];

export const OFFICIAL_WEIGHTS: readonly OfficialWeights[] = TABLE.map(([preset, version, fileName, resizePx, fileSizeMB, top1]) => ({
  preset,
  version,
  fileName,
  sha256Prefix: /-([0-9a-f]{8})\.pth$/.exec(fileName)![1]!,
  resizePx,
  fileSizeMB,
  top1,
}));

export const DEFAULT_WEIGHTS_BASE_URL = 'https://download.pytorch.org/models/';

/**
 * `resnext50_32x4d`, `resnext50_32x4d:V2`, `resnext50_32x4d:IMAGENET1K_V2`. Without a version: V1, which is
 * torchvision's `DEFAULT` only where no V2 exists; we take V1 to match the 2017 files most tools use.
 */
export function officialWeights(spec: string): OfficialWeights {
  const [presetText, versionText, ...rest] = spec.split(':');
  const available = OFFICIAL_WEIGHTS.map((w) => `${w.preset}:${w.version.replace('IMAGENET1K_', '')}`).join(', ');
  if (rest.length > 0 || !presetText) throw new ConfigError(`--pretrained '${spec}' is not <preset>[:V1|V2]; available: ${available}`);
  if (!isPresetName(presetText)) {
    throw new ConfigError(`--pretrained: unknown preset '${presetText}'; presets: ${PRESET_NAMES.join(', ')}`);
  }
  const version = versionText === undefined ? 'IMAGENET1K_V1' : (`IMAGENET1K_${versionText.toUpperCase().replace(/^IMAGENET1K_/, '')}` as WeightsVersion);
  const found = OFFICIAL_WEIGHTS.find((w) => w.preset === presetText && w.version === version);
  if (!found) throw new ConfigError(`--pretrained: torchvision has no ${version} weights for ${presetText} in this table; available: ${available}`);
  return found;
}
