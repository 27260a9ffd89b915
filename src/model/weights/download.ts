/**
 * Downloading a weights file into a cache folder: progress (bytes, rate, ETA), the SHA-256 prefix checked against
 * the one in the file name (torch.hub's `check_hash` rule), written atomically (a temporary file in the cache folder,
 * renamed only once complete and verified), reused when already cached. An abort (Ctrl-C, a cancelled progress
 * notification) or any failure leaves no partial file behind.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WeightsError } from '../errors';

export interface DownloadProgress {
  readonly receivedBytes: number;
  /** From Content-Length; undefined when the server does not say. */
  readonly totalBytes?: number;
  readonly bytesPerSecond: number;
  readonly etaSeconds?: number;
}

export interface DownloadRequest {
  readonly url: string;
  readonly fileName: string;
  /** Hex digits the file's SHA-256 must start with. */
  readonly sha256Prefix: string;
  readonly cacheDir: string;
  readonly onProgress?: (progress: DownloadProgress) => void;
  readonly signal?: AbortSignal;
}

export interface DownloadResult {
  readonly path: string;
  readonly downloaded: boolean;
  readonly bytes: number;
}

/** `$XDG_CACHE_HOME/resnext-inspector`, else the platform's cache folder. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, 'resnext-inspector');
  if (platform === 'darwin') return path.join(os.homedir(), 'Library', 'Caches', 'resnext-inspector');
  if (platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local'), 'resnext-inspector', 'Cache');
  return path.join(os.homedir(), '.cache', 'resnext-inspector');
}

/** Joins a base URL and a file name whether or not the base ends with a slash. */
export function weightsUrl(baseUrl: string, fileName: string): string {
  return baseUrl.endsWith('/') ? baseUrl + fileName : `${baseUrl}/${fileName}`;
}

function manualHint(request: DownloadRequest): string {
  return `download ${request.url} by other means and put it at ${path.join(request.cacheDir, request.fileName)}, or pass --weights FILE`;
}

async function sha256Prefix(file: string, length: number): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex').slice(0, length);
}

/** Returns the cached file, downloading it first when it is not there (or is there but fails the hash). */
export async function downloadToCache(request: DownloadRequest): Promise<DownloadResult> {
  const target = path.join(request.cacheDir, request.fileName);
  if (fs.existsSync(target)) {
    if ((await sha256Prefix(target, request.sha256Prefix.length)) === request.sha256Prefix) {
      return { path: target, downloaded: false, bytes: fs.statSync(target).size };
    }
    fs.rmSync(target, { force: true }); // a corrupted cache entry: fetch it again
  }
  try {
    fs.mkdirSync(request.cacheDir, { recursive: true });
  } catch (error) {
    throw new WeightsError(`cannot create the weights cache folder ${request.cacheDir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const temp = path.join(request.cacheDir, `.${request.fileName}.${process.pid}.${Date.now()}.part`);
  try {
    let response: Response;
    try {
      response = await fetch(request.url, { signal: request.signal, redirect: 'follow' });
    } catch (error) {
      if (request.signal?.aborted) throw abortError(request);
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new WeightsError(`cannot download ${request.url}: ${cause?.code ?? cause?.message ?? String(error)} (offline?); ${manualHint(request)}`);
    }
    if (!response.ok || !response.body) {
      throw new WeightsError(`cannot download ${request.url}: the server answered ${response.status} ${response.statusText}; ${manualHint(request)}`);
    }
    const declared = Number(response.headers.get('content-length'));
    const totalBytes = Number.isFinite(declared) && declared > 0 ? declared : undefined;
    const hash = createHash('sha256');
    const out = fs.openSync(temp, 'wx');
    let receivedBytes = 0;
    const started = performance.now();
    let lastReport = 0;
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        fs.writeSync(out, chunk);
        receivedBytes += chunk.length;
        const now = performance.now();
        if (request.onProgress && (now - lastReport > 200 || receivedBytes === totalBytes)) {
          lastReport = now;
          const bytesPerSecond = receivedBytes / Math.max((now - started) / 1000, 1e-3);
          request.onProgress({
            receivedBytes,
            totalBytes,
            bytesPerSecond,
            etaSeconds: totalBytes === undefined ? undefined : (totalBytes - receivedBytes) / Math.max(bytesPerSecond, 1),
          });
        }
      }
    } catch (error) {
      if (request.signal?.aborted) throw abortError(request);
      throw new WeightsError(
        `the download of ${request.url} broke off after ${receivedBytes} bytes (${(error as Error).message}); nothing was kept; try again, or ${manualHint(request)}`,
      );
    } finally {
      fs.closeSync(out);
    }
    if (totalBytes !== undefined && receivedBytes !== totalBytes) {
      throw new WeightsError(
        `the download of ${request.url} ended after ${receivedBytes} of ${totalBytes} bytes; nothing was kept; try again, or ${manualHint(request)}`,
      );
    }
    const digest = hash.digest('hex');
    if (!digest.startsWith(request.sha256Prefix)) {
      throw new WeightsError(
        `the file downloaded from ${request.url} is corrupted or not the expected one: its SHA-256 starts with ${digest.slice(0, request.sha256Prefix.length)}, ` +
          `the name says ${request.sha256Prefix}; nothing was kept`,
      );
    }
    fs.renameSync(temp, target);
    return { path: target, downloaded: true, bytes: receivedBytes };
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

function abortError(request: DownloadRequest): WeightsError {
  return new WeightsError(`the download of ${request.url} was cancelled; nothing was kept`);
}

/** "12.3 MB of 95.8 MB, 8.1 MB/s, 10 s left". */
export function describeProgress(p: DownloadProgress): string {
  const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
  const eta = p.etaSeconds === undefined ? '' : `, ${Math.ceil(p.etaSeconds)} s left`;
  return `${mb(p.receivedBytes)}${p.totalBytes === undefined ? '' : ` of ${mb(p.totalBytes)}`}, ${mb(p.bytesPerSecond)}/s${eta}`;
}

/**
 * Removes the temporary files of downloads that were killed rather than aborted (the extension cancels by
 * terminating its worker thread, which runs no cleanup). Returns how many were removed.
 */
export function removePartialDownloads(cacheDir: string): number {
  let removed = 0;
  let names: string[];
  try {
    names = fs.readdirSync(cacheDir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (/^\..+\.part$/.test(name)) {
      fs.rmSync(path.join(cacheDir, name), { force: true });
      removed++;
    }
  }
  return removed;
}
