import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import * as zlib from 'node:zlib';
import { ffmpeg } from '../../test/support/mediaFixtures';
import { ErrorCodes } from '../../../protocol/errors';
import { ForwardResult, MediaRef, forwardRequest, probeRequest } from '../../../protocol/requests';
import { encodeSafetensors } from '../tensors/safetensorsWriter';
import { RSS_LIMIT_MB, assertServesAsBefore, peakRssMb, startBundledServer, within } from '../../test/support/fuzzFixture';
import { TestServer, requestError } from '../../test/support/rpcTestClient';
import { BUNDLED_MODEL, SceneImage, makeTempDir } from '../../test/support/sceneFixture';

/**
 * Hostile files over the real server: media and ID banks that are FIFOs, devices (directly or
 * through a symlink), folders, empty, truncated, corrupt, decompression bombs or absurd frame
 * sizes. Each is refused with a coded error (never internal, never a hang), the server's peak
 * RSS stays under 1.5 GB, and a good forward still gives the bundled model's answer afterwards.
 * Every file is made in a temp folder by the test.
 */

const present = fs.existsSync(path.join(BUNDLED_MODEL, 'onnx/decoder_model_merged.onnx'));
const skip = present ? false : 'no bundled model';
/** A refusal comes before any decoding; this bounds a case that (wrongly) reads or hangs. */
const CASE_TIMEOUT_MS = 30_000;

const tmp = makeTempDir('rpc-files');
let server: TestServer;
let scene: SceneImage;
let reference: ForwardResult;
const outcomes = { cases: 0, refused: 0 };
before(async () => {
  if (present) ({ server, scene, reference } = await startBundledServer(tmp));
});
after(async () => {
  console.log(`hostile files: ${outcomes.cases} cases, ${outcomes.refused} refused with coded errors, peak RSS ${peakRssMb(server?.child.pid) ?? '?'} MB (limit ${RSS_LIMIT_MB} MB)`);
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const file = (name: string) => path.join(tmp, name);

function fifo(name: string): string | null {
  const f = file(name);
  return spawnSync('mkfifo', [f]).status === 0 ? f : null;
}

function symlinkTo(target: string, name: string): string {
  const f = file(name);
  fs.symlinkSync(target, f);
  return f;
}

function crc32(bytes: Buffer): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A valid RGB PNG of side x side black pixels: under 1 MB on disk for 16000 (768 MB decoded). */
async function pngBomb(name: string, side: number): Promise<string> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter method, no interlace
  const deflate = zlib.createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (d: Buffer) => parts.push(d));
  const done = new Promise((resolve) => deflate.on('end', resolve));
  const row = Buffer.alloc(1 + side * 3); // filter byte 0, then black pixels
  for (let y = 0; y < side; y++) if (!deflate.write(row)) await new Promise((r) => deflate.once('drain', r));
  deflate.end();
  await done;
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', Buffer.concat(parts)), pngChunk('IEND', Buffer.alloc(0))]);
  fs.writeFileSync(file(name), png);
  return file(name);
}

/** A BMP header declaring width x height, 24-bit, with only a few bytes of pixels. */
function bmpHeader(name: string, width: number, height: number): string {
  const b = Buffer.alloc(54 + 64);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  fs.writeFileSync(file(name), b);
  return file(name);
}

/** A safetensors file shaped like an ID bank whose values are all NaN. */
function nanBank(name: string): string {
  const meta = { format: 'spatial-id-lens/id-bank@1', kind: 'spatial', model: BUNDLED_MODEL, decoderHash: 'x', numLayers: 0, hiddenSize: 4 };
  const data = new Float32Array(4).fill(Number.NaN);
  const bytes = encodeSafetensors({ 'layers.0.universal': { dtype: 'F32', shape: [1, 4], data }, 'layers.0.centre': { dtype: 'F32', shape: [4], data } }, { spatial_id_lens: JSON.stringify(meta) });
  fs.writeFileSync(file(name), bytes);
  return file(name);
}

/** The request is refused with `code` and a message matching `words`; then the server serves as before. */
async function refused(what: string, request: () => Promise<unknown>, code: number, words: RegExp): Promise<void> {
  outcomes.cases++;
  const e = await within(CASE_TIMEOUT_MS, what, requestError(request()));
  assert.equal(e.code, code, `${what}: ${e.message}`);
  assert.match(e.message, words, what);
  outcomes.refused++;
  await assertServesAsBefore(server, scene, reference, what);
}

const forwardOn = (media: MediaRef) => () => server.connection.sendRequest(forwardRequest, { media, question: scene.question });
const probeWith = (bank: string) => () => server.connection.sendRequest(probeRequest, { bank, media: { image: scene.file }, question: scene.question });

test('media that are FIFOs, devices, folders or empty are refused before any read', { skip }, async () => {
  const pipe = fifo('pipe.png');
  if (pipe) await refused('a FIFO as image', forwardOn({ image: pipe }), ErrorCodes.badMedia, /is a FIFO \(named pipe\), not a regular image file/);
  const videoPipe = fifo('pipe.mp4');
  if (videoPipe) await refused('a FIFO as video', forwardOn({ video: videoPipe }), ErrorCodes.badMedia, /is a FIFO \(named pipe\), not a regular video file/);
  await refused('/dev/zero as image', forwardOn({ image: '/dev/zero' }), ErrorCodes.badMedia, /\/dev\/zero is a character device/);
  await refused('a symlink to /dev/zero as image', forwardOn({ image: symlinkTo('/dev/zero', 'zero.png') }), ErrorCodes.badMedia, /zero\.png is a character device/);
  await refused('a symlink to /dev/urandom as video', forwardOn({ video: symlinkTo('/dev/urandom', 'random.mp4') }), ErrorCodes.badMedia, /random\.mp4 is a character device/);
  await refused('a symlink loop as image', forwardOn({ image: (fs.symlinkSync('loop-b.png', file('loop-a.png')), fs.symlinkSync('loop-a.png', file('loop-b.png')), file('loop-a.png')) }), ErrorCodes.badMedia, /symlink loop|cannot be read/);
  await refused('a folder as image', forwardOn({ image: tmp }), ErrorCodes.badMedia, /is a folder, not a regular image file/);
  fs.writeFileSync(file('empty.png'), '');
  await refused('an empty image', forwardOn({ image: file('empty.png') }), ErrorCodes.badMedia, /empty\.png is empty \(0 bytes\)/);
});

test('decompression bombs and absurd sizes are refused from the header, memory bounded', { skip }, async () => {
  const bomb = await pngBomb('bomb.png', 16000);
  assert.ok(fs.statSync(bomb).size < 1024 ** 2, 'the bomb is small on disk');
  await refused('a 16000x16000 PNG bomb', forwardOn({ image: bomb }), ErrorCodes.badMedia, /declares an image of 16000x16000 \(256\.0 Mpx\), more than the 64\.0 Mpx/);
  await refused('a BMP header of 30000x30000', forwardOn({ image: bmpHeader('huge.bmp', 30000, 30000) }), ErrorCodes.badMedia, /30000x30000 BMP \(900\.0 Mpx\), more than the 64\.0 Mpx/);
  await refused('a BMP header of 9000x9000', forwardOn({ image: bmpHeader('big.bmp', 9000, 9000) }), ErrorCodes.badMedia, /9000x9000 BMP \(81\.0 Mpx\)/);
  const big = file('big.mkv');
  ffmpeg(['-f', 'lavfi', '-i', 'color=c=black:s=8192x8192:r=5', '-frames:v', '2', '-c:v', 'ffv1', big]);
  await refused('an 8192x8192 video', forwardOn({ video: big }), ErrorCodes.badMedia, /has 8192x8192 frames \(67\.1 Mpx\), more than the 33\.2 Mpx \(8K\)/);
});

test('truncated and corrupt media are refused with what is wrong', { skip }, async () => {
  const png = fs.readFileSync(scene.file);
  fs.writeFileSync(file('half.png'), png.subarray(0, png.length >> 1));
  await refused('a truncated PNG', forwardOn({ image: file('half.png') }), ErrorCodes.badMedia, /half\.png cannot be read as an image: it looks cut short or corrupt/);
  fs.writeFileSync(file('noise.png'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)));
  await refused('noise named .png', forwardOn({ image: file('noise.png') }), ErrorCodes.badMedia, /noise\.png cannot be read as an image/);
  fs.writeFileSync(file('noise.mp4'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 104729 + 7) % 256)));
  await refused('noise named .mp4', forwardOn({ video: file('noise.mp4') }), ErrorCodes.badMedia, /noise\.mp4 cannot be read as a video/);
  const damaged = Buffer.from(png);
  damaged.fill(0x5a, 40, 60); // inside the first IDAT: the CRC no longer matches
  fs.writeFileSync(file('damaged.png'), damaged);
  await refused('a PNG with a damaged chunk', forwardOn({ image: file('damaged.png') }), ErrorCodes.badMedia, /damaged\.png cannot be read as an image/);
});

test('ID banks that are FIFOs, devices, folders, truncated or NaN are refused', { skip }, async () => {
  const pipe = fifo('pipe.safetensors');
  if (pipe) await refused('a FIFO as bank', probeWith(pipe), ErrorCodes.wrongBank, /is a FIFO \(named pipe\), not a regular safetensors file/);
  await refused('/dev/zero as bank', probeWith('/dev/zero'), ErrorCodes.wrongBank, /\/dev\/zero is a character device/);
  await refused('a symlink to /dev/zero as bank', probeWith(symlinkTo('/dev/zero', 'zero.safetensors')), ErrorCodes.wrongBank, /zero\.safetensors is a character device/);
  await refused('a folder as bank', probeWith(tmp), ErrorCodes.wrongBank, /is a folder, not a regular safetensors file/);
  await refused('a missing bank', probeWith(file('absent.safetensors')), ErrorCodes.wrongBank, /absent\.safetensors does not exist/);
  const nan = nanBank('nan.safetensors');
  await refused('a bank of NaNs', probeWith(nan), ErrorCodes.wrongBank, /holds NaN at element 0; every value must be a finite number/);
  fs.writeFileSync(file('cut.safetensors'), fs.readFileSync(nan).subarray(0, 40));
  await refused('a truncated bank', probeWith(file('cut.safetensors')), ErrorCodes.wrongBank, /cut\.safetensors: the header runs past the end/);
  const hugeHeader = Buffer.alloc(16);
  hugeHeader.writeBigUInt64LE(2n ** 62n);
  fs.writeFileSync(file('header.safetensors'), hugeHeader);
  await refused('a bank whose header claims 2^62 bytes', probeWith(file('header.safetensors')), ErrorCodes.wrongBank, /the header claims \d+ bytes/);
});
