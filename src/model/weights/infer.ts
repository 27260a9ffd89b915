/**
 * The configuration a torchvision-style state dict was made for, from its keys and shapes alone:
 * stage depths = number of `layerN.<i>.conv1.weight`; base width = conv1.weight out channels; groups =
 * width / (in channels per group) of layer1.0.conv2.weight; width per group = the smallest d with
 * int(planes · d / 64) = width / groups (torchvision's formula inverted; exact for every torchvision model);
 * classes = fc.weight rows. The result is then checked against the whole state dict by the loader.
 * timm's variants by their keys: SE = `layer1.0.se.fc1.weight`; ECA = `layer1.0.se.conv.weight`; BasicBlock = no
 * `layer1.0.conv3.weight` (groups 1, width per group 64); selective kernel = `layer1.0.conv2.paths.0.conv.weight`
 * (groups from that path's weight); deep stem = `conv1.0.weight`, tiered when conv1.0 is narrower than conv1.3
 * (stem width = conv1.3's out channels; base width = fc's in features / (8 · expansion)); avg-down = a 4-D
 * `layerN.0.downsample.1.weight` in the first stage with a shortcut (the conv after the pool; BN's 1-D weight otherwise). The CIFAR port (prlz77/ResNeXt.pytorch) by `conv_1_3x3.weight`: three stages of
 * `stage_S.stage_S_bottleneck_i.*`, groups from conv_conv, classes from `classifier.weight`, input 32x32.
 */
import { WeightsError } from '../errors';
import { presetConfig, type NetworkConfig } from '../config';
/** Shapes are all it reads, so `resnext inspect` can call it on tensor references without reading their data. */
type Shapes = ReadonlyMap<string, { readonly shape: readonly number[] }>;

export function inferConfig(stateDict: Shapes, source: string, inputSizePx?: { height: number; width: number }): NetworkConfig {
  if (stateDict.has('conv_1_3x3.weight')) return inferCifarConfig(stateDict, source, inputSizePx ?? { height: 32, width: 32 });
  return inferImagenetConfig(stateDict, source, inputSizePx ?? { height: 224, width: 224 });
}

function needShape(stateDict: Shapes, source: string, key: string, rank: number, what: string): readonly number[] {
  const t = stateDict.get(key);
  if (!t) {
    throw new WeightsError(
      `cannot infer the architecture of ${source}: it has no '${key}', so it is not ${what} ` +
        `(found ${stateDict.size} tensors${stateDict.size ? `, e.g. ${[...stateDict.keys()].slice(0, 3).join(', ')}` : ''})`,
    );
  }
  if (t.shape.length !== rank)
    throw new WeightsError(`cannot infer the architecture of ${source}: '${key}' has shape [${t.shape.join(', ')}], expected rank ${rank}`);
  return t.shape;
}

/** Groups and width per group from a grouped 3x3 weight [width, width/groups, 3, 3] at planes = base width. */
function groupedWidth(shape: readonly number[], key: string, source: string, baseWidth: number): { groups: number; widthPerGroup: number } {
  const [width, inPerGroup] = shape as [number, number];
  if (inPerGroup === 0 || width % inPerGroup !== 0) {
    throw new WeightsError(
      `cannot infer the architecture of ${source}: ${key} [${width}, ${inPerGroup}, …] is not a grouped convolution of a whole number of groups`,
    );
  }
  return { groups: width / inPerGroup, widthPerGroup: Math.ceil((64 * inPerGroup) / baseWidth) };
}

/** The configuration fields read off a state dict's shapes, the same for every family. */
function inferredFields(
  depths: readonly number[],
  groups: number,
  widthPerGroup: number,
  baseWidth: number,
  numClasses: number,
  inputSizePx: { height: number; width: number },
): Pick<NetworkConfig, 'layers' | 'groups' | 'widthPerGroup' | 'baseWidth' | 'numClasses' | 'inputHeightPx' | 'inputWidthPx'> {
  return { layers: [...depths], groups, widthPerGroup, baseWidth, numClasses, inputHeightPx: inputSizePx.height, inputWidthPx: inputSizePx.width };
}

function inferCifarConfig(stateDict: Shapes, source: string, inputSizePx: { height: number; width: number }): NetworkConfig {
  const what = 'a CIFAR ResNeXt state dict (prlz77/ResNeXt.pytorch names)';
  const depths: number[] = [];
  for (let stage = 1; stage <= 3; stage++) {
    let blocks = 0;
    while (stateDict.has(`stage_${stage}.stage_${stage}_bottleneck_${blocks}.conv_reduce.weight`)) blocks++;
    if (blocks === 0)
      throw new WeightsError(
        `cannot infer the architecture of ${source}: it has no stage_${stage}.stage_${stage}_bottleneck_0.conv_reduce.weight (a CIFAR ResNeXt has three stages)`,
      );
    depths.push(blocks);
  }
  const baseWidth = needShape(stateDict, source, 'conv_1_3x3.weight', 4, what)[0]!;
  const key = 'stage_1.stage_1_bottleneck_0.conv_conv.weight';
  const { groups, widthPerGroup } = groupedWidth(needShape(stateDict, source, key, 4, what), key, source, baseWidth);
  const numClasses = needShape(stateDict, source, 'classifier.weight', 2, what)[0]!;
  return { ...presetConfig('resnext29_8x64d'), ...inferredFields(depths, groups, widthPerGroup, baseWidth, numClasses, inputSizePx) };
}

function inferImagenetConfig(stateDict: Shapes, source: string, inputSizePx: { height: number; width: number }): NetworkConfig {
  const what = 'a torchvision or timm ResNet/ResNeXt state dict';
  const need = (key: string, rank: number): readonly number[] => needShape(stateDict, source, key, rank, what);
  // timm's SelectiveKernelBottleneck wraps its convs in ConvNormAct: layerN.i.conv1.conv.weight.
  const selectiveKernel = stateDict.has('layer1.0.conv2.paths.0.conv.weight');
  const conv1Key = (stage: number, block: number): string => `layer${stage}.${block}.conv1${selectiveKernel ? '.conv' : ''}.weight`;
  const depths: number[] = [];
  for (let stage = 1; stage <= 4; stage++) {
    let blocks = 0;
    while (stateDict.has(conv1Key(stage, blocks))) blocks++;
    if (blocks === 0)
      throw new WeightsError(
        `cannot infer the architecture of ${source}: it has no ${conv1Key(stage, 0)} (a torchvision or timm ResNet has four stages, layer1..layer4)`,
      );
    depths.push(blocks);
  }
  const basic = !selectiveKernel && !stateDict.has('layer1.0.conv3.weight');
  const expansion = basic ? 1 : 4;
  const [numClasses, features] = need('fc.weight', 2) as [number, number];
  const deepStem = stateDict.has('conv1.0.weight');
  // The standard stem has baseWidth channels; a deep stem ends at 2 · stem_width, so the base width is read off the
  // classifier instead: layer4 ends at baseWidth · 8 · expansion features.
  let baseWidth: number;
  if (deepStem) {
    if (features % (8 * expansion) !== 0) {
      throw new WeightsError(
        `cannot infer the architecture of ${source}: fc.weight has ${features} input features, not 8 · ${expansion} · a base width (layer4's output)`,
      );
    }
    baseWidth = features / (8 * expansion);
  } else baseWidth = need('conv1.weight', 4)[0]!;
  const stem: Partial<NetworkConfig> = {};
  if (deepStem) {
    // timm deep: conv1.0 3→w, conv1.3 w→w, conv1.6 w→2w; deep_tiered: conv1.0 3→3·(w//4), conv1.3 →w.
    const first = need('conv1.0.weight', 4)[0]!;
    const stemWidth = need('conv1.3.weight', 4)[0]!;
    const tiered = first !== stemWidth;
    if (tiered && first !== 3 * Math.floor(stemWidth / 4)) {
      throw new WeightsError(
        `cannot infer the architecture of ${source}: its deep stem is ${first}, ${stemWidth} channels wide, neither timm's deep (w, w) nor its tiered stem (3 · (w // 4), w)`,
      );
    }
    Object.assign(stem, { stem: tiered ? 'tiered' : 'deep', ...(stemWidth !== Math.floor(baseWidth / 2) ? { stemWidth } : {}) });
  }
  const grouped = selectiveKernel ? 'layer1.0.conv2.paths.0.conv.weight' : 'layer1.0.conv2.weight';
  const { groups, widthPerGroup } = basic ? { groups: 1, widthPerGroup: 64 } : groupedWidth(need(grouped, 4), grouped, source, baseWidth);
  // avg-down: the first shortcut's downsample.1 is the conv after the pool (4-D), BN's 1-D weight otherwise. A stage
  // whose input already has its channels at stride 1 has none (BasicBlock's layer1), so the first one present counts.
  const shortcut = [1, 2, 3, 4].map((s) => stateDict.get(`layer${s}.0.downsample.1.weight`)).find((t) => t !== undefined);
  return {
    ...presetConfig('resnet50'),
    ...inferredFields(depths, groups, widthPerGroup, baseWidth, numClasses, inputSizePx),
    ...(basic ? { block: 'basic' as const } : selectiveKernel ? { block: 'selective-kernel' as const } : {}),
    ...(stateDict.has('layer1.0.se.fc1.weight') ? { se: true } : {}),
    ...(stateDict.has('layer1.0.se.conv.weight') ? { eca: true } : {}),
    ...stem,
    ...(shortcut?.shape.length === 4 ? { avgDown: true } : {}),
  };
}
