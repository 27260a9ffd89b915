/**
 * The configuration a torchvision-style state dict was made for, from its keys and shapes alone:
 * stage depths = number of `layerN.<i>.conv1.weight`; base width = conv1.weight out channels; groups =
 * width / (in channels per group) of layer1.0.conv2.weight; width per group = the smallest d with
 * int(planes · d / 64) = width / groups (torchvision's formula inverted; exact for every torchvision model);
 * classes = fc.weight rows. The result is then checked against the whole state dict by the loader.
 * timm's variants by their keys: SE = `layer1.0.se.fc1.weight`; deep stem = `conv1.0.weight` (base width = the
 * out channels of conv1.6); avg-down = a 4-D `layer1.0.downsample.1.weight` (the conv after the pool; it is BN's 1-D
 * weight otherwise). The CIFAR port (prlz77/ResNeXt.pytorch) by `conv_1_3x3.weight`: three stages of
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
  const need = (key: string, rank: number): readonly number[] => needShape(stateDict, source, key, rank, 'a torchvision ResNet/ResNeXt state dict');
  const depths: number[] = [];
  for (let stage = 1; stage <= 4; stage++) {
    let blocks = 0;
    while (stateDict.has(`layer${stage}.${blocks}.conv1.weight`)) blocks++;
    if (blocks === 0)
      throw new WeightsError(
        `cannot infer the architecture of ${source}: it has no layer${stage}.0.conv1.weight (a torchvision ResNet has four stages, layer1..layer4)`,
      );
    depths.push(blocks);
  }
  const deepStem = stateDict.has('conv1.0.weight');
  const baseWidth = need(deepStem ? 'conv1.6.weight' : 'conv1.weight', 4)[0]!;
  const { groups, widthPerGroup } = groupedWidth(need('layer1.0.conv2.weight', 4), 'layer1.0.conv2.weight', source, baseWidth);
  const numClasses = need('fc.weight', 2)[0]!;
  const base = presetConfig('resnet50');
  return {
    ...base,
    ...inferredFields(depths, groups, widthPerGroup, baseWidth, numClasses, inputSizePx),
    ...(stateDict.has('layer1.0.se.fc1.weight') ? { se: true } : {}),
    ...(deepStem ? { stem: 'deep' as const } : {}),
    ...(stateDict.get('layer1.0.downsample.1.weight')?.shape.length === 4 ? { avgDown: true } : {}),
  };
}
