import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { instrumentDecoder } from '../graph/instrumentDecoder';
import { DecoderLayout } from '../graph/residualSites';
import { FILE_KINDS, checkRegularFile, readRegularFile } from '../files/regularFile';

/**
 * The decoder with a capture output and a delta input at every residual site, cached on disk
 * under the hash of the source file: instrumenting a multi-GB decoder's graph takes seconds,
 * loading the cached copy does not. Only the graph is cached; `.onnx_data` weights stay where
 * they are and are read through the external-data folder option.
 */

/** Bump when instrumentDecoder's output changes, so stale cache entries are not reused. */
const INSTRUMENTATION_VERSION = 3;

export interface InstrumentedGraph {
  /** The graph in memory when it was just built (or the cache could not hold it); null when it sits in `file`. */
  bytes: Uint8Array | null;
  /** The cache file holding the graph, when the cache could be written. */
  file: string | null;
  layout: DecoderLayout;
  /** sha256 of the source decoder file. */
  sourceHash: string;
  fromCache: boolean;
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'spatial-id-lens', 'graphs');
}

/** sha256 of a file, streamed so a large decoder is not held twice in memory. */
export function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = crypto.createHash('sha256');
    fs.createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

function writeAtomic(file: string, data: Uint8Array | string): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file); // readers never see a half-written entry
}

export async function instrumentedDecoder(decoderFile: string, opts: { cacheDir?: string; numLayers: number; hiddenSize: number }): Promise<InstrumentedGraph> {
  const sourceHash = await hashFile(decoderFile);
  const dir = opts.cacheDir ?? defaultCacheDir();
  const key = `${sourceHash}-v${INSTRUMENTATION_VERSION}`;
  const graphFile = path.join(dir, `${key}.onnx`);
  const layoutFile = path.join(dir, `${key}.json`);
  if (fs.existsSync(graphFile) && fs.existsSync(layoutFile)) {
    try {
      // regular files only: a FIFO or device planted in the cache must not hang or flood the server
      const layout = JSON.parse(readRegularFile(layoutFile, FILE_KINDS.jsonConfig).toString('utf8')) as DecoderLayout;
      checkRegularFile(graphFile, FILE_KINDS.onnx);
      // not read here: onnxruntime reads it itself, so a multi-GB graph is not held twice while the session is made
      return { bytes: null, file: graphFile, layout, sourceHash, fromCache: true };
    } catch {
      // an unreadable entry is rebuilt below
    }
  }
  const all = Array.from({ length: opts.numLayers + 1 }, (_, l) => l);
  const built = instrumentDecoder(new Uint8Array(readRegularFile(decoderFile, FILE_KINDS.onnx)), {
    capture: all,
    intervene: all,
    numLayers: opts.numLayers,
    hiddenSize: opts.hiddenSize,
  });
  let file: string | null = null;
  try {
    fs.mkdirSync(dir, { recursive: true });
    writeAtomic(graphFile, built.bytes);
    writeAtomic(layoutFile, JSON.stringify(built.layout));
    file = graphFile;
  } catch {
    // a read-only cache only costs the next load the instrumentation time
  }
  return { bytes: built.bytes, file, layout: built.layout, sourceHash, fromCache: false };
}
