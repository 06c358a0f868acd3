import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SteerResult } from '../../../protocol/requests';
import { reportOf } from './analysisReports';

/** The terminal lines of a single steer: whole answers, "changed" for a phrase, and log P of each whole answer under the three runs. */

const base = { factor: 5, factorSource: 'request' as const, logprobsBefore: { row: -0.01 }, logprobsAfter: { row: -0.02 }, logprobsNoise: { row: -0.01 } };

test('a grounding steer reports both whole answers, "changed", and each answer\'s summed log P before -> steered (noise)', () => {
  const result: SteerResult = {
    ...base,
    single: {
      ...base,
      answerBefore: 'row 2 column 1',
      answerAfter: 'row 4 column 4',
      answerNoise: 'row 2 column 1',
      flipped: true,
      flippedNoise: false,
      changedBy: 'wholeAnswer',
      wholeAnswers: [
        { text: 'row 2 column 1', generatedBy: ['before', 'noise'], tokens: 5, logprob: { before: -0.013, steered: -9.5, noise: -0.4 } },
        { text: 'row 4 column 4', generatedBy: ['steered'], tokens: 5, logprob: { before: -12.25, steered: -0.08, noise: -10.5 } },
      ],
    },
  };
  const lines = reportOf('steer', result).split('\n');
  assert.ok(lines.includes('before: row 2 column 1   after steering: row 4 column 4 (changed)   noise control: row 2 column 1'), lines.join('\n'));
  assert.ok(lines.includes('logP("row 2 column 1", 5 tokens, generated before/noise): -0.01 -> -9.50 (noise -0.40)'));
  assert.ok(lines.includes('logP("row 4 column 4", 5 tokens, generated steered): -12.25 -> -0.08 (noise -10.50)'));
  assert.ok(!lines.some((l) => l.startsWith('logP(row)')), "a phrase answer's first word is not reported as the answer");
});

test('a two-way steer saved before whole answers were reported still prints its answer words, "flipped"', () => {
  const result: SteerResult = {
    ...base,
    single: { answerBefore: 'left', answerAfter: 'right', answerNoise: 'left', flipped: true, flippedNoise: false, logprobsBefore: { left: -0.1, right: -2.4 }, logprobsAfter: { left: -2, right: -0.15 }, logprobsNoise: { left: -0.12, right: -2.2 } },
  };
  const lines = reportOf('steer', result).split('\n');
  assert.ok(lines.includes('before: left   after steering: right (flipped)   noise control: left'), lines.join('\n'));
  assert.ok(lines.includes('logP(left): -0.10 -> -2.00 (noise -0.12)'));
});
