/**
 * Run by test/unit/limits.test.ts in a child process: reads one weights file and prints the outcome with the
 * process's peak memory (resourceUsage().maxRSS), so that the parent can check the reader's limits on real memory.
 */
import { readWeightsFile } from '../src/model/weights/load';

const rssBeforeBytes = process.memoryUsage().rss;
let outcome: { ok: true; tensors: number } | { ok: false; message: string };
try {
  outcome = { ok: true, tensors: readWeightsFile(process.argv[2]!).stateDict.size };
} catch (error) {
  outcome = { ok: false, message: error instanceof Error ? error.message : String(error) };
}
process.stdout.write(JSON.stringify({ ...outcome, rssBeforeBytes, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
