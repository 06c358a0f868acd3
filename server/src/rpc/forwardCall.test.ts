import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes } from '../../../protocol/errors';
import type { RunOutput } from '../run/modelRunner';
import { CodedError } from '../../../protocol/errors';
import { checkForwardParams, toForwardResult } from './forwardCall';

const ok = { media: { image: 'a.png' }, question: 'Is the red circle to the left or right of the blue square?' };

test('well-formed parameters pass through unchanged, defaults filled where the protocol gives them', () => {
  const full = {
    ...ok,
    model: '/m',
    answers: ['left', 'right'],
    capture: { layers: [0, 6], positions: { words: ['red circle'] } },
    interventions: [
      { kind: 'add', layer: 3, positions: 'media', vector: [1, 2] },
      { kind: 'patch', layer: 2, positions: [1, 2], from: { video: 'b.mp4', question: 'q' } },
    ],
    maxNewTokens: 4,
  };
  assert.deepEqual(checkForwardParams(full), full);
  assert.deepEqual(checkForwardParams({ ...ok, capture: {} }).capture, { layers: 'all', positions: 'all' });
});

test('each malformed field is refused as a bad request naming the field', () => {
  const cases: Array<[unknown, RegExp]> = [
    [null, /spatialIds\/forward: params must be the forward params, an object with the keys model, media, question/],
    [{ ...ok, media: { image: 'a.png', video: 'b.mp4' } }, /media must be \{"image": file\} or \{"video": file\}/],
    [{ ...ok, media: { image: '' } }, /media\.image must be an image file path \(a non-empty string/],
    [{ ...ok, question: 3 }, /question must be a question \(a non-empty string of at most 2000 characters\) \(got 3\)/],
    [{ ...ok, question: 'x'.repeat(200_000) }, /question must be .*at most 2000 characters\) \(got a string of 200000 characters\)/],
    [{ ...ok, answers: ['left', ''] }, /answers\[1\] must be a word/],
    [{ ...ok, capture: { layers: [0, -1] } }, /capture\.layers\[1\] must be a whole number from 0 to 1024 \(got -1\)/],
    [{ ...ok, capture: { layers: 'some' } }, /capture\.layers must be "all" or a list of layer indices/],
    [{ ...ok, capture: { positions: 'images' } }, /capture\.positions must be "all", "media", "text"/],
    [{ ...ok, interventions: {} }, /interventions must be a list of 0 to 64 interventions/],
    [{ ...ok, interventions: [{ kind: 'add', layer: 1, positions: 'all', vector: ['x'] }] }, /interventions\[0\]\.vector\[0\] must be a finite number/],
    [{ ...ok, interventions: [{ kind: 'add', layer: 1, positions: 'all', vector: [1e39] }] }, /interventions\[0\]\.vector\[0\] must be a finite number \(\|v\| <= 3\.4028234663852886e\+38, the float32 range\) \(got 1e\+39\)/],
    [{ ...ok, interventions: [{ kind: 'patch', layer: 1, positions: 'all', from: {} }] }, /interventions\[0\]\.from must be/],
    [{ ...ok, interventions: [{ kind: 'add', layer: 1.5, positions: 'all', vector: [1] }] }, /interventions\[0\]\.layer must be a whole number from 0/],
    [{ ...ok, interventions: [{ kind: 'scale', layer: 1, positions: 'all' }] }, /interventions\[0\]\.kind must be an intervention \{"kind": "add" \(steering\) or "patch"/],
    [{ ...ok, maxNewTokens: 1e9 }, /maxNewTokens must be a whole number from 0 to 256/],
    [{ ...ok, maxNewTokens: '4' }, /maxNewTokens must be a whole number from 0 to 256 \(got "4"\)/],
    [{ ...ok, maxNewToken: 4 }, /params has an unknown key "maxNewToken": the known keys are model, media, question, answers, capture, interventions, maxNewTokens/],
  ];
  for (const [params, words] of cases) {
    assert.throws(() => checkForwardParams(params), (e: unknown) => e instanceof CodedError && e.code === ErrorCodes.badRequest && words.test(e.message), JSON.stringify(params));
  }
});

test('a run output becomes ForwardResult JSON keyed by layer and position', () => {
  const out = {
    answer: 'left',
    logprobs: { left: -0.1, right: -2.3 },
    tokens: [{ position: 0, id: 1, text: '<s>', kind: 'text' }],
    hidden: new Map([[0, new Map([[5, new Float32Array([0.5, -1])]])], [6, new Map([[5, new Float32Array([2, 3])]])]]),
  } as unknown as RunOutput;
  const r = toForwardResult(out);
  assert.deepEqual(r.hidden, { '0': { '5': [0.5, -1] }, '6': { '5': [2, 3] } });
  assert.deepEqual(JSON.parse(JSON.stringify(r)), { answer: 'left', logprobs: out.logprobs, tokens: out.tokens, hidden: r.hidden });
});
