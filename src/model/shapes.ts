/**
 * The module calls of torchvision's forward with their output shapes computed from the convolution arithmetic
 * instead of a forward pass. Tests prove it equal to the TF.js trace for every preset and many custom
 * configurations; the preset picker and `resnext presets` use it to show params and MACs without building nine
 * networks. Counting stays in one place: these calls go through the same accounting as a traced summary.
 */
import type { Architecture, ConvModule } from './architecture';
import { convOutputSize } from './config';
import type { LeafCall } from './network';

export function staticTrace(arch: Architecture, batch = 1): LeafCall[] {
  const calls: LeafCall[] = [];
  const { config } = arch;
  let h = config.inputHeightPx;
  let w = config.inputWidthPx;
  const conv = (m: ConvModule, inH: number, inW: number): [number, number] => [
    convOutputSize(inH, m.kernel, m.stride, m.padding),
    convOutputSize(inW, m.kernel, m.stride, m.padding),
  ];
  const push = (name: string, type: LeafCall['type'], c: number, hh: number, ww: number): void => {
    calls.push({ name, type, outputShape: [batch, c, hh, ww] });
  };
  [h, w] = conv(arch.conv1, h, w);
  push('conv1', 'Conv2d', arch.conv1.outChannels, h, w);
  push('bn1', 'BatchNorm2d', arch.conv1.outChannels, h, w);
  push('relu', 'ReLU', arch.conv1.outChannels, h, w);
  h = convOutputSize(h, 3, 2, 1);
  w = convOutputSize(w, 3, 2, 1);
  push('maxpool', 'MaxPool2d', arch.conv1.outChannels, h, w);
  for (const b of arch.blocks) {
    const [h2, w2] = conv(b.conv2, h, w);
    push(`${b.name}.conv1`, 'Conv2d', b.conv1.outChannels, h, w);
    push(`${b.name}.bn1`, 'BatchNorm2d', b.conv1.outChannels, h, w);
    push(`${b.name}.relu`, 'ReLU', b.conv1.outChannels, h, w);
    push(`${b.name}.conv2`, 'Conv2d', b.conv2.outChannels, h2, w2);
    push(`${b.name}.bn2`, 'BatchNorm2d', b.conv2.outChannels, h2, w2);
    push(`${b.name}.relu`, 'ReLU', b.conv2.outChannels, h2, w2);
    push(`${b.name}.conv3`, 'Conv2d', b.conv3.outChannels, h2, w2);
    push(`${b.name}.bn3`, 'BatchNorm2d', b.conv3.outChannels, h2, w2);
    if (b.downsample) {
      const [hd, wd] = conv(b.downsample.conv, h, w);
      push(`${b.name}.downsample.0`, 'Conv2d', b.downsample.conv.outChannels, hd, wd);
      push(`${b.name}.downsample.1`, 'BatchNorm2d', b.downsample.conv.outChannels, hd, wd);
    }
    push(`${b.name}.relu`, 'ReLU', b.conv3.outChannels, h2, w2);
    push(b.name, 'Bottleneck', b.conv3.outChannels, h2, w2);
    h = h2;
    w = w2;
  }
  push('avgpool', 'AdaptiveAvgPool2d', arch.fc.inFeatures, 1, 1);
  calls.push({ name: 'fc', type: 'Linear', outputShape: [batch, arch.fc.outFeatures] });
  return calls;
}
