/** The Checkpoint Inspector's rows (src/model/weights/inspectText.ts): the module tree of a state dict, shapes first. */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { InspectNode } from '../../src/shared/data';
import { describeNode, describeNodeShort, groupByModule } from '../../src/model/weights/inspectText';

const tensor = (name: string, shape: number[]): InspectNode => ({
  name,
  type: 'tensor',
  dtype: 'torch.float32',
  shape,
  bytes: 4 * shape.reduce((a, b) => a * b, 1),
});

test("a state dict's dotted keys become PyTorch's module tree, in key order, each group counting its tensors", () => {
  const keys = [
    tensor('conv1.weight', [8, 3, 7, 7]),
    tensor('bn1.weight', [8]),
    tensor('layer1.0.conv1.weight', [8, 8, 1, 1]),
    tensor('layer1.0.bn1.weight', [8]),
    tensor('layer1.0.bn1.num_batches_tracked', []),
    tensor('layer1.1.conv1.weight', [8, 32, 1, 1]),
    tensor('fc.weight', [10, 256]),
    { name: 'epoch', type: 'int', value: '3' },
  ];
  const tree = groupByModule(keys);
  const walk = (nodes: readonly InspectNode[], depth = 0): string[] =>
    nodes.flatMap((n) => [`${'  '.repeat(depth)}${n.name}: ${describeNodeShort(n)}`, ...walk(n.children ?? [], depth + 1)]);
  assert.deepEqual(walk(tree), [
    'conv1: 1 tensor',
    '  weight: [8, 3, 7, 7]',
    'bn1: 1 tensor',
    '  weight: [8]',
    'layer1: 4 tensors',
    '  0: 3 tensors',
    '    conv1: 1 tensor',
    '      weight: [8, 8, 1, 1]',
    '    bn1: 2 tensors',
    '      weight: [8]',
    '      num_batches_tracked: []',
    '  1: 1 tensor',
    '    conv1: 1 tensor',
    '      weight: [8, 32, 1, 1]',
    'fc: 1 tensor',
    '  weight: [10, 256]',
    'epoch: int 3',
  ]);
  // Keys without dots (a training checkpoint's top level) are left as they are.
  assert.deepEqual(groupByModule([{ name: 'state_dict', type: 'dict' }]), [{ name: 'state_dict', type: 'dict' }]);
  // The shape leads a tensor's row; dtype and bytes are in the full line (the tooltip).
  assert.equal(describeNodeShort(tensor('w', [16, 3, 3, 3])), '[16, 3, 3, 3]');
  assert.equal(describeNode(tensor('w', [16, 3, 3, 3])), 'torch.float32 [16, 3, 3, 3] 1.7 KiB');
});
