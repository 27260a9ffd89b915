/**
 * `npm run bench -- --diff-only` (and part of the full bench): `resnext diff` of two resnext101_32x8d checkpoints
 * (88.8M random parameters each, 356 MB zip files written to a temporary folder) and `resnext check` of one, each in a
 * fresh process (time in the process, its peak RSS). The baseline in the same run: reading both files whole
 * (readFileSync), the least any diff that looks at every byte could do. Issue 22's targets: diff ≤ 2 s and ≤ 1.2 GB
 * peak RSS, check ≤ 0.3 s.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { median } from './median';

const ROOT = path.join(__dirname, '..');

export interface DiffBench {
  fileMB: number;
  readBothMs: number;
  diffMs: number;
  /** CPU time (user + system) of the diff: on a machine shared with other work, the wall time overstates it. */
  diffCpuMs: number;
  diffPeakRssMB: number;
  checkMs: number;
  checkPeakRssMB: number;
  /** Peak RSS of a process that only loads the modules (what Node and tsx take before any work). */
  idlePeakRssMB: number;
}

/**
 * This process's peak RSS in MB: VmHWM, which starts afresh at exec (getrusage's ru_maxrss keeps the high-water mark
 * of the bench process the child was forked from, hundreds of MB after it wrote the checkpoints).
 */
function peakRssMB(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

/** In a child: one measurement, printed as JSON. */
export async function diffChild(argv: string[]): Promise<void> {
  const [what, a, b] = argv as [string, string, string];
  const t0 = performance.now();
  if (what === 'diff') {
    const { diffCheckpoints } = await import('../src/model/weights/diff');
    const t = performance.now();
    const cpu = process.cpuUsage();
    const diff = diffCheckpoints(a, b);
    if (diff.summary.changed === 0) throw new Error('the random checkpoints should differ');
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    return void process.stdout.write(JSON.stringify({ ms: performance.now() - t, cpuMs, peakRssMB: peakRssMB() }));
  }
  if (what === 'check') {
    const { checkCheckpoint } = await import('../src/model/weights/check');
    const { presetConfig } = await import('../src/model/config');
    const t = performance.now();
    const check = checkCheckpoint(a, presetConfig('resnext101_32x8d'));
    if (!check.loads) throw new Error('the checkpoint should fit resnext101_32x8d');
    return void process.stdout.write(JSON.stringify({ ms: performance.now() - t, peakRssMB: peakRssMB() }));
  }
  if (what === 'read') {
    const t = performance.now();
    const sizes = [fs.readFileSync(a).length, fs.readFileSync(b).length];
    return void process.stdout.write(JSON.stringify({ ms: performance.now() - t, peakRssMB: peakRssMB(), sizes }));
  }
  await import('../src/model/weights/diff');
  await import('../src/model/weights/check');
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0, peakRssMB: peakRssMB() }));
}

function run(args: string[]): { ms: number; cpuMs?: number; peakRssMB: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'bench.ts'), '--child-diff', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`bench child diff ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { ms: number; cpuMs?: number; peakRssMB: number };
}

export async function measureDiff(): Promise<DiffBench> {
  const { architecture } = await import('../src/model/architecture');
  const { presetConfig } = await import('../src/model/config');
  const { randomStateDict } = await import('../src/model/network');
  const { writeZipCheckpoint } = await import('../test/writePth');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-bench-diff-'));
  try {
    const arch = architecture(presetConfig('resnext101_32x8d'));
    const files = [5, 6].map((seed) => {
      const file = path.join(dir, `seed${seed}.pth`);
      fs.writeFileSync(file, writeZipCheckpoint(randomStateDict(arch, seed)));
      return file;
    });
    const [a, b] = files as [string, string];
    const runs = (args: string[], n: number): { ms: number; cpuMs: number; peakRssMB: number } => {
      const all = Array.from({ length: n }, () => run(args));
      return { ms: median(all.map((r) => r.ms)), cpuMs: median(all.map((r) => r.cpuMs ?? 0)), peakRssMB: Math.max(...all.map((r) => r.peakRssMB)) };
    };
    const read = runs(['read', a, b], 3);
    const diff = runs(['diff', a, b], 3);
    const check = runs(['check', a, b], 3);
    const idle = runs(['idle', a, b], 1);
    return {
      fileMB: fs.statSync(a).size / 1e6,
      readBothMs: read.ms,
      diffMs: diff.ms,
      diffCpuMs: diff.cpuMs,
      diffPeakRssMB: diff.peakRssMB,
      checkMs: check.ms,
      checkPeakRssMB: check.peakRssMB,
      idlePeakRssMB: idle.peakRssMB,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function printDiffBench(d: DiffBench): void {
  process.stdout.write(
    `diff of two resnext101_32x8d checkpoints (${d.fileMB.toFixed(0)} MB each): ${d.diffMs.toFixed(0)} ms (target ≤ 2000; CPU ${d.diffCpuMs.toFixed(0)} ms), ` +
      `${(d.diffMs / d.readBothMs).toFixed(2)}× reading both files whole (${d.readBothMs.toFixed(0)} ms); ` +
      `peak RSS ${d.diffPeakRssMB.toFixed(0)} MB (target ≤ 1200; ${d.idlePeakRssMB.toFixed(0)} MB before any work)\n` +
      `check of one against resnext101_32x8d: ${d.checkMs.toFixed(0)} ms (target ≤ 300), peak RSS ${d.checkPeakRssMB.toFixed(0)} MB\n`,
  );
}
