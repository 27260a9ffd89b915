/**
 * Bench lines for the Python features: a warm scan of a 2,000-line Python file after an edit (incremental reparse,
 * analysis, arithmetic counts of every detection: what the CodeLens computes), against parsing the same text with
 * @lezer/python alone; and what
 * activation on a Python file costs: requiring dist/extension.js and running activate() in a fresh process with a
 * minimal stand-in for the `vscode` module (this measures our bundle, not VS Code; the integration test measures
 * activation in the real extension host), then the bundle's first CodeLens request (which loads the scanner),
 * against requiring TF.js's core in a fresh process (what activation avoids).
 */
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { median } from './median';

const ROOT = path.join(__dirname, '..');

/** About 2,000 lines: the blog-style fixture and train.py repeated, functions renamed so each copy is distinct. */
export function pythonSource(lines = 2000): string {
  const blog = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'python', 'blog_resnext.py'), 'utf8');
  const train = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'python', 'train.py'), 'utf8');
  const parts: string[] = [];
  let count = 0;
  for (let i = 0; count < lines; i++) {
    const part = `${i % 2 === 0 ? blog : train}\n\ndef helper_${i}(x, scale=${i}):\n    return x * scale\n\n`;
    parts.push(part);
    count += part.split('\n').length - 1;
  }
  return parts.join('').split('\n').slice(0, lines).join('\n');
}

/** A generated file with `n` constructions (torchvision constructors, every fourth summarised at 160×160): the CLI's worst case. */
export function constructionsSource(n: number): string {
  const lines = ['import torchvision.models as models', 'from torchsummary import summary', 'NUM_CLASSES = 10'];
  for (let i = 0; i < n; i++) {
    lines.push(
      i % 2 === 0 ? `model_${i} = models.resnext50_32x4d(num_classes=NUM_CLASSES)` : `model_${i} = models.resnet${i % 3 === 0 ? 50 : 101}(weights=None)`,
    );
    if (i % 4 === 0) lines.push(`summary(model_${i}, (3, 160, 160))`);
  }
  return lines.join('\n') + '\n';
}

/** About `lines` lines of ordinary Python (functions, loops, dicts, classes, strings) and no model at all. */
export function plainSource(lines: number): string {
  const parts: string[] = ['import os\nimport json\nfrom collections import defaultdict\n'];
  let count = 3;
  for (let i = 0; count < lines; i++) {
    const block = [
      `def load_${i}(path, limit=${i % 100}):`,
      `    '''Reads records from a JSON lines file (block ${i}).'''`,
      '    out = defaultdict(list)',
      '    with open(path) as f:',
      '        for n, line in enumerate(f):',
      '            if n >= limit:',
      '                break',
      '            record = json.loads(line)',
      `            out[record.get("key", "k${i}")].append(record)`,
      '    return {k: len(v) for k, v in out.items()}',
      '',
      `class Config${i}:`,
      `    name = "cfg-${i}"`,
      `    sizes = [${i % 7}, ${i % 11}, ${i % 13}]`,
      '    def total(self):',
      '        return sum(self.sizes) * 2  # Model(...) in a comment is not code',
      '',
    ];
    parts.push(block.join('\n') + '\n');
    count += block.length;
  }
  return parts.join('');
}

/** Wall and CPU time of one call. */
function timed<T>(work: () => T): { result: T; ms: number; cpuMs: number } {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const result = work();
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { result, ms, cpuMs: (used.user + used.system) / 1000 };
}

/**
 * The CLI's large files: 100,000 constructions in one file (scan + counts of every detection, what `resnext scan`
 * does) and an 80,000-line file without models; each against a plain @lezer/python parse of the same text (the
 * baseline), wall and CPU time (the machine may be shared); and the interpreter reading the CIFAR corpus file.
 */
export async function measureLargeScans(): Promise<{
  constructions: number;
  bytes: number;
  bigMs: number;
  bigCpuMs: number;
  bigParseMs: number;
  plainLines: number;
  plainMs: number;
  plainCpuMs: number;
  plainParseMs: number;
  /** CPU time of the parses: on a shared machine the ratio of CPU times is the comparable figure. */
  bigParseCpuMs: number;
  plainParseCpuMs: number;
  classMs: number;
  classModels: number;
}> {
  const { parser } = await import('@lezer/python');
  const { scanPython } = await import('../src/python/scan');
  const { scanModel } = await import('../src/python/present');
  const big = constructionsSource(100_000);
  const bigParse = timed(() => parser.parse(big));
  const bigScan = timed(() => scanPython(big).detections.map((d) => scanModel('big.py', d)).length);
  const plain = plainSource(80_000);
  // Scan and parse alternately, three times each; medians (the load of a shared machine varies between runs).
  const plainRuns = Array.from({ length: 3 }, () => ({ parse: timed(() => parser.parse(plain)), scan: timed(() => scanPython(plain).detections.length) }));
  const mid = <T>(xs: T[], by: (x: T) => number): T => xs.sort((a, b) => by(a) - by(b))[1]!;
  const plainParse = mid(
    plainRuns.map((r) => r.parse),
    (r) => r.cpuMs,
  );
  const plainScan = mid(
    plainRuns.map((r) => r.scan),
    (r) => r.cpuMs,
  );
  const cifar = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'python', 'classes', 'cifar_resnet.py'), 'utf8');
  // A fresh text each time (a trailing comment) so that the readings' memo does not answer.
  const classRuns = Array.from({ length: 5 }, (_, i) => timed(() => scanPython(`${cifar}\n# ${i}\n`).detections.length));
  return {
    constructions: bigScan.result,
    bytes: big.length,
    bigMs: bigScan.ms,
    bigCpuMs: bigScan.cpuMs,
    bigParseMs: bigParse.ms,
    plainLines: plain.split('\n').length,
    plainMs: plainScan.ms,
    plainCpuMs: plainScan.cpuMs,
    plainParseMs: plainParse.ms,
    bigParseCpuMs: bigParse.cpuMs,
    plainParseCpuMs: plainParse.cpuMs,
    classMs: median(classRuns.map((r) => r.ms)),
    classModels: classRuns[0]!.result,
  };
}

/**
 * The editor's case: the file is rescanned after each edit. Warm = after a one-character edit in the middle of the
 * file (incremental reparse + analysis + counts of every detection); also a full scan from scratch, and the baseline:
 * a full parse of the same text with @lezer/python alone.
 */
export async function measureScan(): Promise<{
  lines: number;
  detections: number;
  warmScanMs: number;
  warmScanCpuMs: number;
  fullScanMs: number;
  parseMs: number;
}> {
  const { parser } = await import('@lezer/python');
  const { IncrementalScanner, scanPython } = await import('../src/python/scan');
  const { staticCounts } = await import('../src/python/present');
  const source = pythonSource();
  const middle = source.indexOf('NUM_CLASSES = 10', source.length / 2);
  // Typing in a constant's value and back: 10 → 11 → 10 … (the detections' classes change with it).
  const versions = [source, source.slice(0, middle) + 'NUM_CLASSES = 11' + source.slice(middle + 'NUM_CLASSES = 10'.length)];
  const scanner = new IncrementalScanner();
  const count = (r: { detections: readonly { config?: Parameters<typeof staticCounts>[0] }[] }): number => {
    for (const d of r.detections) if (d.config) staticCounts(d.config);
    return r.detections.length;
  };
  for (let i = 0; i < 6; i++) {
    count(scanner.scan(versions[i % 2]!));
    count(scanPython(source));
    parser.parse(source);
  }
  const warm: number[] = [];
  const full: number[] = [];
  const parse: number[] = [];
  let detections = 0;
  // CPU time too: on a shared machine the wall time includes waiting for a core; the CPU time does not.
  let cpuMicros = 0;
  for (let i = 0; i < 21; i++) {
    let t = performance.now();
    const cpu = process.cpuUsage();
    detections = count(scanner.scan(versions[i % 2]!));
    const used = process.cpuUsage(cpu);
    warm.push(performance.now() - t);
    cpuMicros += used.user + used.system;
    t = performance.now();
    count(scanPython(source));
    full.push(performance.now() - t);
    t = performance.now();
    parser.parse(source);
    parse.push(performance.now() - t);
  }
  return {
    lines: source.split('\n').length,
    detections,
    warmScanMs: median(warm),
    warmScanCpuMs: cpuMicros / 21 / 1000,
    fullScanMs: median(full),
    parseMs: median(parse),
  };
}

/** A minimal `vscode` for activate() and a CodeLens request: registrations return disposables, events never fire. */
function vscodeStandIn(providers: unknown[]): unknown {
  const disposable = { dispose: () => undefined };
  const event = () => disposable;
  class EventEmitter {
    event = event;
    fire(): void {}
    dispose(): void {}
  }
  class Position {
    constructor(
      readonly line: number,
      readonly character: number,
    ) {}
  }
  class Range {
    constructor(
      readonly start: Position,
      readonly end: Position,
    ) {}
  }
  class CodeLens {
    constructor(
      readonly range: Range,
      readonly command: unknown,
    ) {}
  }
  const channel = { info() {}, warn() {}, error() {}, trace() {}, debug() {}, appendLine() {}, show() {}, dispose() {} };
  return {
    EventEmitter,
    Position,
    Range,
    CodeLens,
    Disposable: { from: (...items: { dispose(): void }[]) => ({ dispose: () => items.forEach((d) => d.dispose()) }) },
    Uri: { joinPath: (base: { fsPath: string }, ...parts: string[]) => ({ fsPath: path.join(base.fsPath, ...parts) }) },
    window: { createOutputChannel: () => channel, registerWebviewPanelSerializer: () => disposable },
    commands: { registerCommand: () => disposable },
    languages: {
      registerCodeLensProvider: (_: unknown, provider: unknown) => (providers.push(provider), disposable),
      registerHoverProvider: () => disposable,
    },
    workspace: {
      onDidChangeTextDocument: event,
      onDidCloseTextDocument: event,
      onDidCloseNotebookDocument: event,
      onDidChangeConfiguration: event,
      notebookDocuments: [],
      getWorkspaceFolder: () => undefined,
      getConfiguration: () => ({ get: (_: string, fallback: unknown) => fallback }),
      asRelativePath: (uri: { path: string }) => uri.path,
    },
  };
}

interface LensProvider {
  provideCodeLenses(document: unknown): Promise<{ command: { title: string } }[]>;
}

/**
 * In a fresh process: require dist/extension.js + activate() with the stand-in, then the bundle's CodeLens provider
 * on train.py twice: the first request loads the scanner (lezer) lazily, the second is a new document version.
 */
export async function measureActivation(): Promise<{
  requireMs: number;
  activateMs: number;
  firstLensMs: number;
  warmLensMs: number;
  lenses: number;
  tfjsLoaded: boolean;
}> {
  const providers: unknown[] = [];
  const standIn = vscodeStandIn(providers);
  const load = (Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load;
  (Module as unknown as { _load: typeof load })._load = (request, ...rest) => (request === 'vscode' ? standIn : load(request, ...rest));
  let t = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const extension = require(path.join(ROOT, 'dist', 'extension.js')) as { activate: (context: unknown) => unknown };
  const requireMs = performance.now() - t;
  const context = { subscriptions: [] as unknown[], extensionUri: { fsPath: ROOT }, extension: { packageJSON: { version: 'bench' } } };
  t = performance.now();
  extension.activate(context);
  const activateMs = performance.now() - t;
  const text = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'python', 'train.py'), 'utf8');
  const starts = [0, ...[...text.matchAll(/\n/g)].map((m) => m.index + 1)];
  const document = (version: number) => ({
    uri: { scheme: 'file', path: '/bench/train.py', toString: () => 'file:///bench/train.py' },
    version,
    languageId: 'python',
    getText: () => text,
    positionAt: (offset: number) => {
      let line = 0;
      while (line + 1 < starts.length && starts[line + 1]! <= offset) line++;
      return { line, character: offset - starts[line]! };
    },
  });
  const provider = providers[0] as LensProvider;
  t = performance.now();
  const lenses = await provider.provideCodeLenses(document(1));
  const firstLensMs = performance.now() - t;
  t = performance.now();
  await provider.provideCodeLenses(document(2));
  const warmLensMs = performance.now() - t;
  return { requireMs, activateMs, firstLensMs, warmLensMs, lenses: lenses.length, tfjsLoaded: Boolean((globalThis as { _tfengine?: unknown })._tfengine) };
}

/** Requiring TF.js's core in a fresh process: what activation would cost if the host loaded it. */
export function measureTfjsRequire(): { requireMs: number } {
  const t = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-core');
  return { requireMs: performance.now() - t };
}
