import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { PYTORCH_AGREEMENT, batchSteerSummary, modelTable, summarise } from './benchReport';
import type { OrtTimings } from './ortTimings';
import type { TorchTimings } from './torchReference';

const runs = (ms: number) => ({ totalMs: [ms, ms], prefillMs: [ms / 2, ms / 2], cpuMs: [ms, ms] });
const logits = (x: number) => Float32Array.from([x, 1, 2]);

function ort(): OrtTimings {
  return {
    numLayers: 2, hiddenSize: 4, inputIds: [1, 2, 3], steer: { layer: 1, position: 2, vector: new Float32Array(4) },
    samples: { plain: runs(10), captureAll: runs(10.2), steer: runs(10), apiCaptureAll: { ...runs(11), prefillMs: [] } },
    lastLogits: { plain: logits(0), captureAll: logits(0), steer: logits(0), apiCaptureAll: logits(0) },
  };
}

function torch(lastLogit: number): TorchTimings {
  const t = { total_ms: [20, 20], prefill_ms: [10, 10], cpu_ms: [20, 20] };
  return { torch: '1.13', threads: 1, params: 10, variants: { plain: t, capture_all: t, steer: t }, last_logits: { plain: [lastLogit, 1, 2], capture_all: [lastLogit, 1, 2], steer: [lastLogit, 1, 2] } };
}

const NO_REUSE = 'not measured (--no-reuse)';
const rss = { plainBytes: 100 * 2 ** 20, runnerBytes: 125 * 2 ** 20, ratio: 1.25 };

test('ORT/PyTorch speed ratios only where both computed the same logits', () => {
  const same = summarise('m', '/m', null, ort(), torch(PYTORCH_AGREEMENT / 2), null, rss, 'fp32', NO_REUSE);
  assert.equal(same.ortOverPytorch?.plain.total, 0.5);
  assert.match(modelTable(same), /ORT\/PyTorch/);

  const apart = summarise('m', '/m', null, ort(), torch(1.5), null, rss, 'fp32', NO_REUSE);
  assert.equal(apart.ortOverPytorch, null);
  assert.equal(apart.logitsMaxAbsDiff?.plain, 1.5);
  const table = modelTable(apart);
  assert.doesNotMatch(table, /ORT\/PyTorch/);
  assert.match(table, /no speed comparison: .*plain 1\.5e\+0/);
});

test('peak RSS line: both figures, the ratio and the 1.3x verdict; or why it is missing', () => {
  const met = modelTable(summarise('m', '/m', null, ort(), null, 'n/a', rss, 'q4', NO_REUSE));
  assert.match(met, /plain ORT sessions 100 MiB, instrumented runner with capture all 125 MiB: 1\.25x \(target <= 1\.3x: met\)/);
  assert.match(met, /q4 graphs, 2 layers, hidden 4, prompt 3 tokens/);
  const over = modelTable(summarise('m', '/m', null, ort(), null, 'n/a', { ...rss, ratio: 1.4 }, 'fp32', NO_REUSE));
  assert.match(over, /1\.40x \(target <= 1\.3x: not met\)/);
  assert.match(modelTable(summarise('m', '/m', null, ort(), null, 'n/a', 'not measured (--no-rss)', 'fp32', NO_REUSE)), /peak RSS: not measured \(--no-rss\)/);
});

test('capture-all overhead is judged against 3%', () => {
  const table = modelTable(summarise('m', '/m', null, ort(), null, 'n/a', rss, 'fp32', NO_REUSE));
  assert.match(table, /capture-all overhead <= 3%: total \+2\.0% \(met\)/);
});

test('prefix reuse line: both medians, the speed-up against the 10x target and the logits check', () => {
  const reuse = { canvas: { width: 896, height: 896 }, question: 'q', promptTokens: 309, prefixTokens: 290, reuseMs: [100, 120], fullMs: [1500, 1700], maxLogitDiff: 0 };
  const table = modelTable(summarise('m', '/m', null, ort(), null, 'n/a', rss, 'q4', reuse));
  assert.match(table, /on a 896x896-px analysis scene \(forward, add at the first object word, position 290 of 309\): with prefix reuse 110(\.0)? ms, recomputed 1600(\.0)? ms: 14\.5x \(target >= 10x with hundreds of media tokens: met\)/);
  assert.match(modelTable(summarise('m', '/m', null, ort(), null, 'n/a', rss, 'q4', NO_REUSE)), /prefix reuse: not measured/);
});

test('steer --batch line: wall time of each mode is the shared encoding plus its steering', () => {
  const batch = batchSteerSummary({ items: 2, band: [3, 4], factor: 5, canvas: { width: 512, height: 512 }, bank: { scenes: 12, ms: 6000 }, encodeMs: [1000, 3000], steerReuseMs: [200, 200], steerFullMs: [1000, 1000] });
  assert.ok(typeof batch !== 'string');
  assert.deepEqual(batch.wallS, { reuse: 4.4, full: 6 });
  const table = modelTable({ ...summarise('m', '/m', null, ort(), null, 'n/a', rss, 'q4', NO_REUSE), batchSteering: batch });
  assert.match(table, /steer --batch 2 \(512x512-px scenes, layers 3-4, factor 5, .*wall 4 s with prefix reuse vs 6 s without \(1\.36x\); of which encoding the pictures 4 s either way, steering 0 s vs 2 s \(5\.0x\)/);
  assert.match(modelTable({ ...summarise('m', '/m', null, ort(), null, 'n/a', rss, 'q4', NO_REUSE), batchSteering: batchSteerSummary('not measured (--steer-batch 0)') }), /steer --batch: not measured/);
});
