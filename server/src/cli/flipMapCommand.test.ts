import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import type { FlipMapResult } from '../../../protocol/requests';
import { flipMapParamsFrom, flipMapReport } from './flipMapCommand';
import { UsageError } from './usageError';

/** flip-map's options become the request's params (checked by its schema, named as options); the report is the grid. */

const question = 'Is the red circle to the left or right of the blue square?';

test('options become the flipMap params, paths resolved', () => {
  const p = flipMapParamsFrom({ image: 'scene.png', question, object: 'red circle', layers: '2-3', factor: '2', answers: 'left,right', bank: 'b.safetensors' });
  assert.deepEqual(p, { bank: path.resolve('b.safetensors'), media: { image: path.resolve('scene.png') }, question, object: 'red circle', answers: ['left', 'right'], layers: [2, 3], factor: 2 });
});

test('a missing or wrong option is a usage error naming the option', () => {
  assert.throws(() => flipMapParamsFrom({ question, object: 'red circle' }), (e: unknown) => e instanceof UsageError && /--image or --video/.test((e as Error).message));
  assert.throws(() => flipMapParamsFrom({ image: 'a.png', video: 'b.mp4', question, object: 'red circle' }), /not both/);
  assert.throws(() => flipMapParamsFrom({ image: 'a.png', question }), (e: unknown) => e instanceof UsageError && /--object must be/.test((e as Error).message));
  assert.throws(() => flipMapParamsFrom({ image: 'a.png', question, object: 'red circle', factor: '-3' }), /--factor must be a number from/);
});

test('the report is the grid of P(answer before) under steering | noise, flips starred', () => {
  const lp = (pLeft: number) => ({ left: Math.log(pLeft), right: Math.log(1 - pLeft) });
  const cells = [0, 1, 2, 3].map((i) => ({ x: i % 2, y: Math.floor(i / 2) }));
  const r: FlipMapResult = {
    object: 'red circle', answers: ['left', 'right'], answerBefore: 'left', preferredBefore: 'left', logprobsBefore: lp(0.9), sourceCell: 0, cells, kind: 'spatial', layers: [2], factor: 2, factorSource: 'request', seconds: 1,
    results: [
      { cell: 0, steered: false, answer: 'left', answerNoise: 'left', preferred: 'left', preferredNoise: 'left', logprobs: lp(0.9), logprobsNoise: lp(0.9), flipped: false, flippedNoise: false },
      { cell: 1, steered: true, answer: 'right', answerNoise: 'left', preferred: 'right', preferredNoise: 'left', logprobs: lp(0.2), logprobsNoise: lp(0.85), flipped: true, flippedNoise: false },
      { cell: 2, steered: true, answer: 'left', answerNoise: 'left', preferred: 'left', preferredNoise: 'left', logprobs: lp(0.8), logprobsNoise: lp(0.88), flipped: false, flippedNoise: false },
      { cell: 3, steered: true, answer: 'right', answerNoise: 'right', preferred: 'right', preferredNoise: 'right', logprobs: lp(0.3), logprobsNoise: lp(0.4), flipped: true, flippedNoise: true },
    ],
  };
  const lines = flipMapReport(r).split('\n');
  assert.match(lines[0], /read at row 1, column 1; answer before: left/);
  assert.equal(lines[2], 'row 1: (read here)   20%*| 85%');
  assert.equal(lines[3], 'row 2:  80% | 88%    30%*| 40%*');
  assert.equal(lines[4], 'flipped: steering 2 of 3 cells, noise 1 of 3');
});
