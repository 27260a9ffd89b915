/**
 * The configuration a torchvision-style state dict was made for, from its keys and shapes alone:
 * stage depths = number of `layerN.<i>.conv1.weight`; base width = conv1.weight out channels; groups =
 * width / (in channels per group) of layer1.0.conv2.weight; width per group = the smallest d with
 * int(planes · d / 64) = width / groups (torchvision's formula inverted; exact for every torchvision model);
 * classes = fc.weight rows. The result is then checked against the whole state dict by the loader.
 */
import { WeightsError } from '../errors';
import { presetConfig, type NetworkConfig, type StageDepths } from '../config';

/** Shapes are all it reads, so `resnext inspect` can call it on tensor references without reading their data. */
export function inferConfig(stateDict: ReadonlyMap<string, { readonly shape: readonly number[] }>, source: string, inputSizePx: { height: number; width: number } = { height: 224, width: 224 }): NetworkConfig {
  const need = (key: string, rank: number): readonly number[] => {
    const t = stateDict.get(key);
    if (!t) {
      throw new WeightsError(
        `cannot infer the architecture of ${source}: it has no '${key}', so it is not a torchvision ResNet/ResNeXt state dict ` +
          `(found ${stateDict.size} tensors${stateDict.size ? `, e.g. ${[...stateDict.keys()].slice(0, 3).join(', ')}` : ''})`,
      );
    }
    if (t.shape.length !== rank) throw new WeightsError(`cannot infer the architecture of ${source}: '${key}' has shape [${t.shape.join(', ')}], expected rank ${rank}`);
    return t.shape;
  };
  const depths: number[] = [];
  for (let stage = 1; stage <= 4; stage++) {
    let blocks = 0;
    while (stateDict.has(`layer${stage}.${blocks}.conv1.weight`)) blocks++;
    if (blocks === 0) throw new WeightsError(`cannot infer the architecture of ${source}: it has no layer${stage}.0.conv1.weight (a torchvision ResNet has four stages, layer1..layer4)`);
    depths.push(blocks);
  }
  const baseWidth = need('conv1.weight', 4)[0]!;
  const [width, inPerGroup] = need('layer1.0.conv2.weight', 4) as [number, number];
  if (inPerGroup === 0 || width % inPerGroup !== 0) {
    throw new WeightsError(`cannot infer the architecture of ${source}: layer1.0.conv2.weight [${width}, ${inPerGroup}, …] is not a grouped convolution of a whole number of groups`);
  }
  const groups = width / inPerGroup;
  const widthPerGroup = Math.ceil((64 * inPerGroup) / baseWidth);
  const numClasses = need('fc.weight', 2)[0]!;
  const base = presetConfig('resnet50');
  return {
    ...base,
    layers: depths as unknown as StageDepths,
    groups,
    widthPerGroup,
    baseWidth,
    numClasses,
    inputHeightPx: inputSizePx.height,
    inputWidthPx: inputSizePx.width,
  };
}
