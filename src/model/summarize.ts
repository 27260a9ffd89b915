/**
 * "Summarize": build the network on TF.js, run one dummy 1x3xHxW forward pass that records every module call, and
 * count. Returns plain JSON (the schema of DESIGN §4), so the CLI, the worker and the webview share it.
 *
 * Networks above TFJS_TRACE_MAX_PARAMS (the WSL 32x16d/32x32d/32x48d: 194M–829M params, 0.8–3.3 GB of float32) are
 * traced by arithmetic instead (shapes.ts `staticTrace`: the same forward walk over shapes, proven equal to the TF.js
 * trace by a test): no weight and no activation is allocated.
 */
import { initBackend, tf } from './tf';
import { checkedArchitecture, countParams } from './architecture';
import { configName, type NetworkConfig } from './config';
import { buildNetwork, type LeafCall } from './network';
import { staticTrace } from './shapes';
import { layerRows, stageRows, totals } from './accounting';
import type { StateDict } from './weights/stateDict';

export { SUMMARY_SCHEMA, type Summary, type SummaryConfig } from '../shared/data';
import { SUMMARY_SCHEMA, type Summary } from '../shared/data';
import { summaryConfig } from './summaryConfig';
import { modelTitle } from '../shared/names';

export { summaryConfig };

export interface SummarizeOptions {
  /** Display name; defaults to the preset name or a description of the custom configuration. */
  readonly model?: string;
  /** Trace with these weights instead of zeros (shapes and counts do not depend on them). */
  readonly stateDict?: StateDict;
  readonly weightsSource?: string;
}

/** Builds, traces and counts. Leaves no tensor behind (tf.memory().numTensors is unchanged). */
/** Without weights, networks with more parameters than this are traced by arithmetic (see the file comment). */
export const TFJS_TRACE_MAX_PARAMS = 150_000_000;

export async function summarize(config: NetworkConfig, options: SummarizeOptions = {}): Promise<Summary> {
  const arch = checkedArchitecture(config);
  const counted = (calls: readonly LeafCall[], tracedBy: 'tfjs' | 'arithmetic', timingsMs: Summary['timingsMs']): Summary => {
    const rows = layerRows(arch, calls);
    const model = options.model ?? configName(config);
    return {
      schema: SUMMARY_SCHEMA,
      model,
      title: modelTitle(model, summaryConfig(config)),
      config: summaryConfig(config),
      layers: rows,
      stages: stageRows(rows),
      totals: totals(rows, calls, [1, 3, config.inputHeightPx, config.inputWidthPx]),
      ...(options.weightsSource ? { weights: options.weightsSource } : {}),
      tracedBy,
      timingsMs,
    };
  };
  if (!options.stateDict && countParams(arch) > TFJS_TRACE_MAX_PARAMS) {
    const start = performance.now();
    const calls = staticTrace(arch);
    return counted(calls, 'arithmetic', { build: 0, forward: round1(performance.now() - start) });
  }
  await initBackend();
  let start = performance.now();
  // One forward, only for the shapes: each conv's weights go to TF.js at its call and leave after it (see
  // NetworkOptions.residency), and grouped convs use a fixed method, since measuring each layer shape for the
  // fastest ('auto') would cost more than it could save here.
  const weights = options.stateDict ? { stateDict: options.stateDict, source: options.weightsSource } : { init: 'zeros' as const };
  const network = await buildNetwork(config, { ...weights, residency: 'streamed', groupedMethod: 'depthwise' });
  const buildMs = performance.now() - start;
  const calls: LeafCall[] = [];
  let forwardMs: number;
  try {
    start = performance.now();
    const input = tf.zeros<tf.Rank.R4>([1, 3, config.inputHeightPx, config.inputWidthPx]);
    const logits = network.forward(input, (call) => calls.push(call));
    await logits.data();
    forwardMs = performance.now() - start;
    input.dispose();
    logits.dispose();
  } finally {
    network.dispose();
  }
  return counted(calls, 'tfjs', { build: round1(buildMs), forward: round1(forwardMs) });
}

const round1 = (ms: number): number => Math.round(ms * 10) / 10;
