/**
 * Issue 18's bench (`npm run bench -- --engines-only`, and part of the full run): in one run, paired where it can be.
 * - Warm forward (median of 7) of resnext50_32x4d and resnext101_32x8d per engine and thread count (1, 2), and
 *   onnxruntime-node called directly on the same graph (alternating with ours in one process: bench/engine-probe.ts).
 * - PyTorch (Debian's /usr/bin/python3, torchvision's model, random weights, torch.set_num_threads the same): warm
 *   forward; skipped with a note where it is missing.
 * - evaluate images/s on a generated ImageFolder (JPEGs written by Pillow in a temporary folder), ours on
 *   onnxruntime (batch 1, 4, 8 and 16: evaluate's --batch default is chosen from these) against PyTorch's batch-1 and batch-16 loops over the same files (decode and
 *   preprocess included on both sides).
 * - Warm classify of chelsea.jpg with resnext50_32x4d loaded; peak RSS of `resnext classify` with resnext101_32x8d.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
/** The PyTorch to compare with: Debian's by default; BENCH_TORCH_PYTHON=/path/to/python picks another (Debian's torch
 * 1.13 is built with BLAS_INFO=generic and, without OpenBLAS installed, runs on the reference netlib BLAS: several
 * times slower than a PyTorch wheel, so the bench prints which one it measured). */
const PYTHON = process.env.BENCH_TORCH_PYTHON ?? '/usr/bin/python3';
const MODELS = ['resnext50_32x4d', 'resnext101_32x8d'] as const;

export interface ProbeResult {
  model: string;
  threads: number;
  engine: { name: string; version: string };
  warmMs: number;
  directMs?: number;
  classifyMs?: number;
}

export interface EnginesBench {
  forwards: ProbeResult[];
  torch: { model: string; threads: number; warmMs: number }[] | { skipped: string };
  evaluate: {
    images: number;
    ours: { batch: number; imagesPerSecond: number; workers: number }[];
    torch: { batch: number; imagesPerSecond: number }[] | { skipped: string };
  };
  classifyWarmMs: number;
  classify101PeakRssMB: number;
}

function run(command: string, args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync(command, args, { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/** "torch 1.13.0a0, BLAS_INFO=generic, /usr/bin/python3": which PyTorch the baseline is. */
function torchBuild(): string {
  const r = spawnSync(
    PYTHON,
    ['-c', "import re, torch; m = re.search(r'BLAS_INFO=(\\w+)', torch.__config__.show()); print(torch.__version__, m.group(1) if m else '?')"],
    {
      encoding: 'utf8',
    },
  );
  const [version, blas] = r.stdout.trim().split(' ');
  return `torch ${version ?? '?'}, BLAS_INFO=${blas ?? '?'}, ${PYTHON}`;
}

function torchAvailable(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch, torchvision, PIL'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `PyTorch is not importable by ${PYTHON}: ${(r.stderr || r.error?.message || '').split('\n').filter(Boolean).pop()}`;
}

const TORCH_FORWARD = `
import json, sys, time, torch, torchvision
model, threads = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(threads)
net = getattr(torchvision.models, model)().eval()
x = torch.sin(torch.arange(3 * 224 * 224, dtype=torch.float32) / 7).reshape(1, 3, 224, 224) * 2
times = []
with torch.inference_mode():
    net(x)
    for _ in range(7):
        t0 = time.perf_counter(); net(x); times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({'model': model, 'threads': threads, 'warmMs': sorted(times)[3]}))
`;

const MAKE_FOLDER = `
import os, random, sys
from PIL import Image, ImageDraw
root, per_class = sys.argv[1], int(sys.argv[2])
random.seed(0)
for c in ('cat', 'dog'):
    os.makedirs(os.path.join(root, c), exist_ok=True)
    for i in range(per_class):
        w, h = random.choice([(500, 375), (640, 480), (375, 500)])
        im = Image.new('RGB', (w, h), tuple(random.randrange(256) for _ in range(3)))
        d = ImageDraw.Draw(im)
        for _ in range(30):
            box = sorted(random.sample(range(w), 2)) , sorted(random.sample(range(h), 2))
            d.ellipse([box[0][0], box[1][0], box[0][1], box[1][1]], fill=tuple(random.randrange(256) for _ in range(3)))
        im.save(os.path.join(root, c, f'{i:03d}.jpg'), quality=90)
`;

const TORCH_EVALUATE = `
import json, os, sys, time, torch, torchvision
from PIL import Image
from torchvision import transforms
root, threads, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
net = torchvision.models.resnext50_32x4d().eval()
pre = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
                          transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith('.jpg'))
with torch.inference_mode():
    net(torch.zeros(1, 3, 224, 224))
    t0 = time.perf_counter()
    for i in range(0, len(files), batch):
        x = torch.stack([pre(Image.open(f).convert('RGB')) for f in files[i:i + batch]])
        net(x).softmax(1).topk(5)
    elapsed = time.perf_counter() - t0
print(json.dumps({'batch': batch, 'imagesPerSecond': len(files) / elapsed}))
`;

/** Writes seeded random weights of a preset as a .pth (zip) checkpoint in `dir` (the CLI reads it like any other). */
async function randomWeights(preset: 'resnext50_32x4d' | 'resnext101_32x8d', dir: string): Promise<string> {
  const { architecture } = await import('../src/model/architecture');
  const { presetConfig } = await import('../src/model/config');
  const { randomStateDict } = await import('../src/model/network');
  const { writeZipCheckpoint } = await import('../test/writePth');
  const file = path.join(dir, `${preset}.pth`);
  fs.writeFileSync(file, writeZipCheckpoint(randomStateDict(architecture(presetConfig(preset)), 1)));
  return file;
}

export async function enginesBench(probe: string): Promise<EnginesBench> {
  const forwards: ProbeResult[] = [];
  for (const model of MODELS) {
    for (const threads of [1, 2]) {
      for (const engine of ['onnxruntime', 'wasm']) {
        const classify = model === 'resnext50_32x4d' && threads === 2 && engine === 'onnxruntime' ? '1' : '0';
        forwards.push(
          JSON.parse(run(process.execPath, [probe], { MODEL: model, THREADS: String(threads), ENGINE: engine, CLASSIFY: classify })) as ProbeResult,
        );
      }
    }
  }
  const noTorch = torchAvailable();
  const torch = noTorch
    ? { skipped: noTorch }
    : MODELS.flatMap((model) =>
        [1, 2].map((threads) => JSON.parse(run(PYTHON, ['-c', TORCH_FORWARD, model, String(threads)])) as { model: string; threads: number; warmMs: number }),
      );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-engines-bench-'));
  try {
    const folder = path.join(dir, 'folder');
    const perClass = 32;
    let images = 0;
    let ours: EnginesBench['evaluate']['ours'] = [];
    let torchEvaluate: EnginesBench['evaluate']['torch'] = { skipped: noTorch ?? '' };
    const weights50 = await randomWeights('resnext50_32x4d', dir);
    if (!noTorch) {
      run(PYTHON, ['-c', MAKE_FOLDER, folder, String(perClass)]);
      images = 2 * perClass;
      const cli = path.join(ROOT, 'dist', 'cli.js');
      ours = [1, 4, 8, 16].map((batch) => {
        const out = JSON.parse(
          run(process.execPath, [cli, 'evaluate', folder, '--weights', weights50, '--engine', 'onnxruntime', '--batch', String(batch), '--format', 'json']),
        ) as {
          imagesPerSecond: number;
        };
        return { batch, imagesPerSecond: out.imagesPerSecond, workers: Math.min(os.availableParallelism(), Math.ceil(images / batch)) };
      });
      torchEvaluate = [1, 16].map(
        (batch) =>
          JSON.parse(run(PYTHON, ['-c', TORCH_EVALUATE, folder, String(os.availableParallelism()), String(batch)])) as {
            batch: number;
            imagesPerSecond: number;
          },
      );
    }
    const weights101 = await randomWeights('resnext101_32x8d', dir);
    fs.rmSync(weights50, { force: true });
    const timed = spawnSync(
      '/usr/bin/time',
      [
        '-f',
        '%M',
        process.execPath,
        path.join(ROOT, 'dist', 'cli.js'),
        'classify',
        path.join(ROOT, 'test', 'fixtures', 'chelsea.jpg'),
        '--weights',
        weights101,
        '--engine',
        'onnxruntime',
      ],
      {
        encoding: 'utf8',
      },
    );
    if (timed.status !== 0) throw new Error(`classify resnext101_32x8d failed: ${timed.stderr.slice(-1000)}`);
    const peakKB = Number(timed.stderr.trim().split('\n').pop());
    const classifyWarmMs = forwards.find((f) => f.classifyMs !== undefined)?.classifyMs ?? NaN;
    return { forwards, torch, evaluate: { images, ours, torch: torchEvaluate }, classifyWarmMs, classify101PeakRssMB: peakKB / 1024 };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

export function printEngines(b: EnginesBench): void {
  const lines = ['', 'Engines (issue 18): warm forward, median of 7, batch 1, 224x224'];
  const torch = Array.isArray(b.torch) ? b.torch : undefined;
  for (const f of b.forwards) {
    const t = torch?.find((x) => x.model === f.model && x.threads === f.threads);
    const direct =
      f.directMs === undefined ? '' : `; onnxruntime-node direct ${f.directMs.toFixed(1)} ms (ours ${ratio(f.warmMs, f.directMs)}, target ≤ 1.15×)`;
    const vsTorch = t ? `; PyTorch ${t.warmMs.toFixed(1)} ms (ours ${ratio(f.warmMs, t.warmMs)})` : '';
    lines.push(`  ${f.model} ${f.engine.name} ${f.threads} thread(s): ${f.warmMs.toFixed(1)} ms${direct}${vsTorch}`);
  }
  if (!torch) lines.push(`  PyTorch skipped: ${(b.torch as { skipped: string }).skipped}`);
  else lines.push(`  PyTorch measured: ${torchBuild()} (BENCH_TORCH_PYTHON picks another; a generic BLAS makes it slow)`);
  lines.push('  targets (onnxruntime, 2 threads): ≤ 1.2× PyTorch for resnext50_32x4d, ≤ 1.0× for resnext101_32x8d');
  const e = b.evaluate;
  if (e.images > 0 && Array.isArray(e.torch)) {
    const best = Math.max(...e.torch.map((t) => t.imagesPerSecond));
    lines.push(
      `  evaluate, ${e.images} generated JPEGs, resnext50_32x4d: ` +
        e.ours.map((o) => `ours batch ${o.batch} (${o.workers} workers) ${o.imagesPerSecond.toFixed(1)} images/s`).join(', ') +
        '; ' +
        e.torch.map((t) => `PyTorch batch ${t.batch} ${t.imagesPerSecond.toFixed(1)} images/s`).join(', ') +
        ` (best ours / best PyTorch ${(Math.max(...e.ours.map((o) => o.imagesPerSecond)) / best).toFixed(2)}, target ≥ 1.0)`,
    );
  } else {
    lines.push('  evaluate comparison skipped: PyTorch (and Pillow for the JPEGs) not available');
  }
  lines.push(`  warm classify of chelsea.jpg, resnext50_32x4d on onnxruntime, 2 threads: ${b.classifyWarmMs.toFixed(1)} ms (target ≤ 150 ms)`);
  lines.push(`  peak RSS of resnext classify with resnext101_32x8d on onnxruntime: ${b.classify101PeakRssMB.toFixed(0)} MB (target ≤ 1,000 MB)`);
  process.stdout.write(lines.join('\n') + '\n');
}
