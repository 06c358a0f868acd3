// The words of long work and of the sweep, in Node: progress as "n of N", cancellation by its
// code, the Batch hint for what is typed, and the sweep's count with the inputs it left out.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadTs } from './support/loadTs.mjs';

let progress;
let sweep;
before(async () => {
  progress = await loadTs('src/views/progressView.ts');
  sweep = await loadTs('src/views/sweepChart.ts');
});

describe('progress and cancellation', () => {
  it('reads the server’s "label: done/total" as "label done of total"', () => {
    assert.equal(progress.progressText({ message: 'patching: 240/4200', percentage: 5.7 }), 'patching 240 of 4200');
    assert.equal(progress.progressText({ message: 'steering: 3/20' }), 'steering 3 of 20');
    assert.equal(progress.progressText({ message: 'baseline: averaging: 10/64' }), 'baseline: averaging 10 of 64');
    assert.equal(progress.progressText({ message: 'Reading the model', percentage: 40 }), 'Reading the model (40%)');
    assert.equal(progress.progressText({ percentage: 12.4 }), '(12%)');
    assert.equal(progress.progressText(null), '');
  });

  it('knows a cancelled request by RequestCancelled, and nothing else', () => {
    assert.equal(progress.wasCancelled({ code: -32800, message: 'Cancelled.' }), true);
    assert.equal(progress.wasCancelled({ code: -32013, message: 'bad request' }), false);
    assert.equal(progress.wasCancelled(new Error('x')), false);
    assert.equal(progress.wasCancelled(null), false);
    assert.match(progress.cancelledNote('Patch sweep'), /^Cancelled: Patch sweep stopped/);
  });
});

describe('the patching sweep card', () => {
  it('the Batch hint follows what is typed', () => {
    assert.equal(sweep.batchHint('0', 2000), '0: this picture');
    assert.equal(sweep.batchHint('', 2000), '0: this picture');
    assert.match(sweep.batchHint('1', 2000), /^1 held-out scene asking/);
    assert.match(sweep.batchHint('200', 2000), /^200 held-out scenes asking the same relation/);
    assert.match(sweep.batchHint('2.5', 2000), /^Type 0 for this picture or a whole number of held-out scenes \(1 to 2000\)/);
    assert.match(sweep.batchHint('-1', 2000), /^Type 0/);
    assert.equal(sweep.batchHint('5000', 2000), 'At most 2000 held-out scenes');
  });

  it('says n of the inputs run, and which were left out and why', () => {
    const curve = { mean: [1], low: [1], high: [1] };
    const base = { layers: [0], groups: { image: curve, text: curve, objects: curve }, control: null, n: 199 };
    assert.equal(sweep.sweepCountText(base), 'n = 199', 'a result saved before skipped was reported');
    const skipped = [{ item: 17, question: 'Is the red circle to the left or right of the blue square?', reason: 'not normalisable: its mirror moved the answer by less than 0.5 nats' }];
    assert.equal(sweep.sweepCountText({ ...base, skipped }), 'n = 199 of 200');
    const text = sweep.skippedText({ ...base, skipped });
    assert.match(text, /^1 of 200 left out of the curves: #17 \("Is the red circle/);
    assert.match(text, /Why: not normalisable/);
    const many = Array.from({ length: 7 }, (_, i) => ({ ...skipped[0], item: i + 1 }));
    assert.match(sweep.skippedText({ ...base, n: 193, skipped: many }), /#5 \([^)]*\) and 2 more\./);
    assert.equal(sweep.skippedText(base), '');
  });
});
