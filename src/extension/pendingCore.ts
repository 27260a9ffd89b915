/**
 * The parts of the core the extension needs that are still being written (issue 4 wires them when they land):
 * reading a checkpoint (`readWeightsFile` in src/model/weights/load.ts) and classifying an image. Until then each
 * throws UnavailableError, which the worker answers with an `unavailable` error reply: the command says plainly that
 * this build cannot do it yet, instead of pretending. To wire one, replace its body with the core call; the worker's
 * code path around it (infer the architecture, summarize with the weights, reply) is already in place.
 */
import type { StateDict } from '../model/weights/stateDict';
import type { ClassificationData } from '../shared/protocol';

export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
}

export type WeightsFormat = 'zip' | 'legacy' | 'safetensors';

/** Planned: `readWeightsFile(path) → { stateDict, format }` from src/model/weights/load.ts. */
export function readWeightsFile(path: string): { readonly stateDict: StateDict; readonly format: WeightsFormat } {
  throw new UnavailableError(
    `Reading checkpoints is not available yet in this version of ResNeXt Inspector, so ${path} was not opened. ` +
      'The summary of a preset or a custom configuration works now ("ResNeXt: Summarize").',
  );
}

export interface ClassifyRequest {
  readonly imagePath: string;
  /** A local .pth/.safetensors path, a URL, or '' for the preset's torchvision weights. */
  readonly weights: string;
  readonly topK: number;
}

/** Planned: the core's classify function (decode, torchvision preprocessing, forward, softmax, top-k). */
export async function classifyImage(request: ClassifyRequest): Promise<ClassificationData> {
  throw new UnavailableError(
    `Image classification is not available yet in this version of ResNeXt Inspector, so ${request.imagePath} was not classified. ` +
      'The summary of a preset or a custom configuration works now ("ResNeXt: Summarize").',
  );
}
