// The panel's pure logic, in Node (no browser): grid geometry, colour scales, CSV, layer bands,
// log-probability tables, chart data, the experiment log, message checks and the host bridge.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadTs } from './support/loadTs.mjs';

const m = {};
before(async () => {
  const names = {
    grid: 'src/logic/grid.ts',
    color: 'src/logic/colorScale.ts',
    csv: 'src/logic/csv.ts',
    layers: 'src/logic/layers.ts',
    questions: 'src/logic/questions.ts',
    logprobs: 'src/logic/logprobs.ts',
    probeLayers: 'src/logic/probeLayers.ts',
    chartData: 'src/logic/chartData.ts',
    log: 'src/state/experimentLog.ts',
    state: 'src/state/panelState.ts',
    guards: 'src/messageGuards.ts',
    bridge: 'src/hostBridge.ts',
    replay: 'src/app/replay.ts',
    canned: 'test/fixtures/cannedResults.ts',
  };
  for (const [key, file] of Object.entries(names)) m[key] = await loadTs(file);
});

const cells4x4 = () => Array.from({ length: 16 }, (_, i) => ({ x: i % 4, y: Math.floor(i / 4) }));

function initBody(overrides = {}) {
  return {
    media: { kind: 'image', path: '/w/a.png', displayUri: 'a.png' },
    model: m.canned.model(),
    bank: m.canned.spatialBank(),
    settings: { steeringFactor: 5, defaultLayers: [2, 3, 4] },
    ...overrides,
  };
}

describe('grid geometry', () => {
  it('sizes a grid from its cells', () => {
    assert.deepEqual(m.grid.gridSize(cells4x4()), { columns: 4, rows: 4 });
    assert.deepEqual(m.grid.gridSize([{ x: 7, y: 0 }]), { columns: 8, rows: 1 });
  });

  it('joins grid neighbours once each (24 links in 4x4, 7 along 8 frames)', () => {
    const pairs = m.grid.neighbourPairs(cells4x4());
    assert.equal(pairs.length, 24);
    assert.ok(pairs.some(([a, b]) => a === 0 && b === 1));
    assert.ok(pairs.some(([a, b]) => a === 0 && b === 4));
    assert.ok(!pairs.some(([a, b]) => a === 3 && b === 4), 'no wrap-around');
    assert.equal(m.grid.neighbourPairs(Array.from({ length: 8 }, (_, x) => ({ x, y: 0 }))).length, 7);
  });

  it('names cells one way, 1-based: row then column, and frames k of N', () => {
    assert.equal(m.grid.cellLabel({ x: 2, y: 1 }, 'spatial'), 'row 2, column 3');
    assert.equal(m.grid.cellLabel({ x: 0, y: 0 }, 'spatial'), 'row 1, column 1');
    assert.equal(m.grid.cellLabel({ x: 5, y: 0 }, 'temporal'), 'frame 6');
    assert.equal(m.grid.cellLabel({ x: 0, y: 0 }, 'temporal', 8), 'frame 1 of 8');
    assert.equal(m.grid.frameLabel(7, 8), 'frame 8 of 8');
    assert.equal(m.grid.cellTick({ x: 0, y: 1 }, 'spatial'), 'r2 c1');
    assert.equal(m.grid.cellTick({ x: 7, y: 0 }, 'temporal'), '8');
  });

  it('moves between cells with the arrow keys, staying put at the edges', () => {
    const cells = cells4x4();
    assert.equal(m.grid.neighbourCell(cells, 5, 'ArrowRight'), 6);
    assert.equal(m.grid.neighbourCell(cells, 5, 'ArrowDown'), 9);
    assert.equal(m.grid.neighbourCell(cells, 5, 'ArrowUp'), 1);
    assert.equal(m.grid.neighbourCell(cells, 5, 'ArrowLeft'), 4);
    assert.equal(m.grid.neighbourCell(cells, 3, 'ArrowRight'), 3, 'no wrap at the right edge');
    assert.equal(m.grid.neighbourCell(cells, 0, 'ArrowUp'), 0);
    assert.equal(m.grid.neighbourCell(cells, 6, 'Home'), 4);
    assert.equal(m.grid.neighbourCell(cells, 6, 'End'), 7);
    assert.equal(m.grid.neighbourCell(cells, 6, 'a'), 6, 'other keys do nothing');
    const frames = Array.from({ length: 8 }, (_, x) => ({ x, y: 0 }));
    assert.equal(m.grid.neighbourCell(frames, 2, 'ArrowDown'), 2);
    assert.equal(m.grid.neighbourCell(frames, 2, 'ArrowRight'), 3);
  });
});

describe('colour scales', () => {
  it('parses theme colours', () => {
    assert.deepEqual(m.color.parseColor('#1f1f1f'), { r: 31, g: 31, b: 31 });
    assert.deepEqual(m.color.parseColor('#fff'), { r: 255, g: 255, b: 255 });
    assert.deepEqual(m.color.parseColor('#0078d4cc'), { r: 0, g: 120, b: 212 });
    assert.deepEqual(m.color.parseColor('rgb(1, 2, 3)'), { r: 1, g: 2, b: 3 });
    assert.deepEqual(m.color.parseColor(' rgba(10 20 30 / 50%)'), { r: 10, g: 20, b: 30 });
    assert.equal(m.color.parseColor('var(--x)'), null);
  });

  it('maps values onto a diverging scale around the background', () => {
    const scale = { negative: { r: 0, g: 0, b: 255 }, middle: { r: 255, g: 255, b: 255 }, positive: { r: 255, g: 0, b: 0 } };
    assert.equal(m.color.divergingColor(1, 1, scale), 'rgb(255, 0, 0)');
    assert.equal(m.color.divergingColor(-2, 1, scale), 'rgb(0, 0, 255)', 'clamped');
    assert.equal(m.color.divergingColor(0, 1, scale), 'rgb(255, 255, 255)');
    assert.equal(m.color.divergingColor(0.5, 1, scale), 'rgb(255, 128, 128)');
    assert.equal(m.color.divergingColor(NaN, 1, scale), 'rgb(255, 255, 255)');
    assert.equal(m.color.symmetricExtent([-0.7, 0.2, NaN]), 0.7);
    assert.equal(m.color.symmetricExtent([0, 0]), 1, 'never zero');
    assert.ok(m.color.overlayOpacity(0, 1) < m.color.overlayOpacity(-0.5, 1));
    assert.ok(m.color.overlayOpacity(5, 1) <= 0.6, 'the picture stays visible');
  });
});

describe('CSV', () => {
  it('quotes what needs quoting and leaves numbers plain', () => {
    const text = m.csv.toCsv([
      { object: 'red circle', label: '(0,1)', similarity: 0.25, note: 'say "hi"' },
      { object: 'blue square', label: '(3,2)', similarity: NaN, extra: true },
    ]);
    assert.equal(text, 'object,label,similarity,note,extra\nred circle,"(0,1)",0.25,"say ""hi""",\nblue square,"(3,2)",,,true\n');
    assert.equal(m.csv.toCsv([], ['a', 'b']), 'a,b\n');
    assert.equal(m.csv.toCsv([{ cell: 4, x: 0, row: 2 }], undefined, m.chartData.CSV_HEADERS), 'cell_0based,x_0based,row\n4,0,2\n', '0-based machine fields are named as such');
    assert.equal(m.csv.csvField(' padded'), '" padded"');
  });
});

describe('layer bands', () => {
  it('parses "2-4,6" and refuses what is not a band', () => {
    assert.deepEqual(m.layers.parseLayerBand('2-4, 6', 6), { ok: true, layers: [2, 3, 4, 6] });
    assert.deepEqual(m.layers.parseLayerBand('4,2,3,3', 6), { ok: true, layers: [2, 3, 4] });
    assert.equal(m.layers.parseLayerBand('', 6).ok, false);
    assert.match(m.layers.parseLayerBand('5-9', 6).error, /past the last layer \(6\)/);
    assert.match(m.layers.parseLayerBand('4-2', 6).error, /backwards/);
    assert.match(m.layers.parseLayerBand('two', 6).error, /not a layer/);
  });

  it('formats runs and clamps to the model', () => {
    assert.equal(m.layers.formatLayerBand([6, 2, 3, 4, 8, 9]), '2-4,6,8-9');
    assert.equal(m.layers.formatLayerBand([3]), '3');
    assert.deepEqual(m.layers.clampBand([2, 3, 40], 6), [2, 3]);
    assert.deepEqual(m.layers.clampBand([40], 6), [3]);
  });
});

describe('questions and log-probabilities', () => {
  it('fills templates and finds the words a question names', () => {
    assert.equal(m.questions.fillTemplate('Is the {a} left of the {b}? ({a})', 'x', 'y'), 'Is the x left of the y? (x)');
    const words = ['red circle', 'blue square', 'red square'];
    assert.deepEqual(m.questions.objectsNamedIn('Is the red circle to the left or right of the blue square?', words), ['red circle', 'blue square']);
    assert.deepEqual(m.questions.objectsNamedIn('Is the Blue Square above the red circle?', words), ['blue square', 'red circle']);
    assert.deepEqual(m.questions.objectsNamedIn('Where is the red squares?', words), []);
  });

  it("takes the templates and the closed words from the model's vocabulary; free names for an open one", () => {
    const closed = initBody();
    assert.deepEqual(m.questions.templatesOf(closed).map((t) => t.relation), ['leftRight', 'aboveBelow']);
    assert.deepEqual(m.questions.templatesOf({ ...closed, media: { kind: 'video', path: '/w/c.mp4', displayUri: '' } }).map((t) => t.relation), ['beforeAfter']);
    assert.ok(m.questions.closedObjectWords(closed).includes('red circle'));
    const open = initBody({ model: m.canned.openModel() });
    assert.equal(m.questions.closedObjectWords(open), null);
    assert.deepEqual(m.questions.templatesOf({ ...open, media: { kind: 'video', path: '/w/c.mp4', displayUri: '' } }), [], 'a model that reads no clips offers no video questions');
    assert.deepEqual(m.questions.templatesOf(initBody({ model: null })), []);
    assert.equal(m.questions.closedObjectWords(initBody({ model: null })), null);
  });

  it('asks with the template’s relation and answer words, or with the names and answers the user typed', () => {
    const templates = m.canned.QUESTION_TEMPLATES;
    const fields = (over) => ({ question: '', templateIndex: 0, objectA: '', objectB: '', answerText: '', ...over });
    // a template: its answers and relation, the objects it names (never read from the English)
    const q = 'Is the dog to the left or right of the traffic light?';
    assert.deepEqual(m.questions.askedQuestion(fields({ question: q, objectA: 'dog', objectB: 'traffic light' }), templates, null), {
      ok: true,
      asked: { question: q, objects: ['dog', 'traffic light'], answers: ['left', 'right'], relation: 'leftRight' },
    });
    assert.deepEqual(m.questions.askedQuestion(fields({ question: 'Where is the dog?', templateIndex: 3, objectA: 'dog', objectB: 'cat' }), templates, null).asked.objects, ['dog'], 'a one-object template names one');
    assert.match(m.questions.askedQuestion(fields({ question: m.questions.questionFrom(templates[0], 'dog', ''), objectA: 'dog' }), templates, null).problem, /Name both objects/);
    assert.match(m.questions.askedQuestion(fields({ question: '  ' }), templates, null).problem, /Write a question first/);
    // the user's own question: typed names (checked against the question) and typed answer words
    const own = 'Is the red car closer than the dog?';
    assert.deepEqual(m.questions.askedQuestion(fields({ question: own, templateIndex: -1, objectA: 'red car', objectB: 'Dog', answerText: 'yes, no,, yes' }), templates, null).asked, {
      question: own,
      objects: ['red car', 'Dog'],
      answers: ['yes', 'no'],
      relation: null,
    });
    assert.deepEqual(m.questions.askedQuestion(fields({ question: own, templateIndex: -1, objectA: 'red car' }), templates, null).asked.answers, [], 'no answer words: the generated answer');
    assert.match(m.questions.askedQuestion(fields({ question: own, templateIndex: -1, objectA: 'traffic light' }), templates, null).problem, /"traffic light" is not in the question/);
    // a closed vocabulary finds its own words in the user's question
    const words = ['red circle', 'blue square'];
    assert.deepEqual(m.questions.askedQuestion(fields({ question: 'Is the blue square near the red circle?', templateIndex: -1, objectA: 'red circle', objectB: 'red circle' }), templates, words).asked.objects, ['blue square', 'red circle']);
  });

  it('knows a template’s question only when it is that template filled with the names', () => {
    const templates = m.canned.QUESTION_TEMPLATES;
    assert.equal(m.questions.templateMatching('Is the dog above or below the traffic light?', templates, 'dog', 'traffic light'), 1);
    assert.equal(m.questions.templateMatching(' Where is the dog? ', templates, 'dog', ''), 3);
    assert.equal(m.questions.templateMatching('Is the dog above or below the car?', templates, 'dog', 'traffic light'), -1);
    assert.equal(m.questions.questionFrom(templates[0], ' dog ', ''), 'Is the dog to the left or right of the …?');
    assert.equal(m.questions.namesObject('Is the Traffic-Light red?', 'traffic light'), true);
    assert.equal(m.questions.namesObject('Is the dogs bowl here?', 'dog'), false);
  });

  it('tabulates before/after/noise with deltas', () => {
    const rows = m.logprobs.logprobRows({ left: -0.1, right: -2 }, { left: -1.5, right: -0.3 }, { left: -0.2 });
    assert.deepEqual(rows[0], { word: 'left', before: -0.1, after: -1.5, delta: -1.4, noise: -0.2, noiseDelta: -0.1 });
    assert.equal(rows[1].noise, null);
    assert.equal(m.logprobs.formatDelta(1.606), '+1.606');
    assert.equal(m.logprobs.formatDelta(null), '–');
    assert.equal(m.logprobs.formatProbability(Math.log(0.5)), '50%');
    assert.equal(m.logprobs.formatProbability(Math.log(0.05)), '5.0%');
    assert.equal(m.logprobs.formatProbability(-20), '<0.1%');
  });
});

describe('chart data', () => {
  it('maps probe rows to layers: all residual layers, or the bank’s layers', () => {
    const bank = m.canned.spatialBank();
    assert.deepEqual(m.probeLayers.probeRowLayers(7, 6, bank), [0, 1, 2, 3, 4, 5, 6]);
    const partial = { ...bank, layers: bank.layers.filter((v) => v.layer >= 2 && v.layer <= 4) };
    assert.deepEqual(m.probeLayers.probeRowLayers(3, 6, partial), [2, 3, 4]);
    const obj = { object: 'x', position: 0, similarity: [[0.1, 0.9], [0.8, 0.2], [0.5, 0.6]], argmax: [1, 0, 1] };
    assert.deepEqual(m.probeLayers.similarityAt(obj, [2, 3, 4], 3), [0.8, 0.2]);
    assert.equal(m.probeLayers.similarityAt(obj, [2, 3, 4], 0), null);
    assert.equal(m.probeLayers.argmaxAt(obj, [2, 3, 4], 4), 1);
  });

  it('flattens probes, lattices and sweeps into rows', () => {
    const bank = m.canned.spatialBank();
    const probe = m.canned.probe({ bank: bank.bank, media: { image: 'a' }, question: 'Is the red circle to the left or right of the blue square?' }, bank);
    const all = m.chartData.probeRows(probe, 6, bank);
    assert.equal(all.length, 2 * 7 * 16);
    const one = m.chartData.probeRows(probe, 6, bank, 4);
    assert.equal(one.length, 32);
    assert.deepEqual(Object.keys(one[0]), ['object', 'layer', 'cell', 'x', 'y', 'row', 'column', 'label', 'similarity', 'argmax']);
    assert.deepEqual([one[4].x, one[4].y, one[4].row, one[4].column, one[4].label], [0, 1, 2, 1, 'row 2, column 1'], '0-based x/y beside the 1-based row and column');
    assert.equal(one.filter((r) => r.argmax).length, 2);
    const lattice = m.chartData.latticeRows(bank, bank.layers[4]);
    assert.equal(lattice.length, 16);
    assert.deepEqual(Object.keys(lattice[0]), ['layer', 'cell', 'x', 'y', 'row', 'column', 'label', 'pc1', 'pc2', 'pc3', 'planeX', 'planeY']);
    assert.deepEqual(m.chartData.latticeScoreRows(bank)[0], { layer: 0, latticeScore: 0.053, ownAxesScore: 0.905, baseline: 0.08 });
    const sweep = m.chartData.sweepRows(m.canned.sweepPatches({ batch: 10 }));
    assert.equal(sweep.length, 2 * 3 * 7, 'mirror and the attribute-swap control');
    assert.deepEqual(sweep[0], { source: 'mirror', layer: 0, group: 'image', mean: 1, low: 0.91, high: 1.09, n: 10 });
    assert.equal(sweep[21].source, 'attribute swap');
    assert.equal(m.chartData.sweepRows(m.canned.sweepPatches({})).length, 3 * 7, 'one picture: no control');
  });
});

describe('experiment log', () => {
  it('records actions, folding consecutive view changes into one', () => {
    let e = m.log.createExperiment(initBody(), new Date('2026-01-02T03:04:05Z'));
    assert.equal(e.createdAt, '2026-01-02T03:04:05.000Z');
    assert.equal(e.bank, '/storage/banks/tiny-spatial-vlm-a3f1c9e0.safetensors');
    e = m.log.recordAction(e, { kind: 'layer', layer: 1 });
    e = m.log.recordAction(e, { kind: 'layer', layer: 3 });
    e = m.log.recordAction(e, { kind: 'undo' });
    e = m.log.recordAction(e, { kind: 'layer', layer: 4 });
    assert.deepEqual(e.actions, [{ kind: 'layer', layer: 3 }, { kind: 'undo' }, { kind: 'layer', layer: 4 }]);
  });

  it("saves only the actions' kinds and view choices: the requests are the host's steps", () => {
    let e = m.log.createExperiment(initBody(), new Date());
    e = m.log.recordAction(e, { kind: 'run', forward: { media: { image: '/w/a.png' }, question: 'q' }, result: { answer: 'left', logprobs: {} } });
    e = m.log.recordAction(e, { kind: 'selectObject', object: 'red circle' });
    e = m.log.recordAction(e, { kind: 'sweepPatches', params: { batch: 2 }, result: {} });
    assert.deepEqual(m.log.uiActionsOf(e), [{ kind: 'run' }, { kind: 'selectObject', object: 'red circle' }, { kind: 'sweepPatches' }]);
  });

  it('describes a steer by its cell and says a phrase answer changed, a two-way one flipped', () => {
    const steer = (outcome) => ({ kind: 'steer', params: { object: 'red circle', targetCell: 15, layers: [2, 3] }, outcome: { answerAfter: 'row 4 column 4', ...outcome } });
    const bank = { cells: cells4x4(), kind: 'spatial' };
    assert.equal(m.log.describeAction(steer({ flipped: true, changedBy: 'wholeAnswer' }), bank), 'Steer red circle to row 4, column 4 at layers 2,3 → row 4 column 4 (changed)');
    assert.equal(m.log.describeAction(steer({ flipped: true, changedBy: 'answerWords' }), bank), 'Steer red circle to row 4, column 4 at layers 2,3 → row 4 column 4 (flipped)');
    assert.equal(m.log.describeAction(steer({ flipped: false }), null), 'Steer red circle to cell 15 at layers 2,3 → row 4 column 4');
  });
});

describe('replaying experiments', () => {
  const question = 'Is the red circle to the left or right of the blue square?';
  const bank = () => m.canned.spatialBank();

  it('recognises a re-run experiment and serves each click the next step of its method, naming the action and step that differ', async () => {
    const f = m.canned.forward({ media: { image: 'a' }, question });
    const p1 = m.canned.probe({ bank: 'b', media: { image: 'a' }, question }, bank());
    const noBank = { code: -32015, message: 'no bank' };
    const cancelled = { code: -32800, message: 'Cancelled.' };
    const steps = [
      { method: 'forward', params: { question }, result: f, saved: { result: { ...f, logprobs: { ...f.logprobs, left: -0.5 } } } },
      { method: 'probe', params: { question }, result: p1, saved: { result: p1 } },
      { method: 'steer', params: {}, error: noBank, saved: { error: noBank } },
      { method: 'steer', params: {}, error: { code: -32099, message: 'server stopped' }, saved: { result: {} } },
      { method: 'sweepPatches', params: {}, error: cancelled, saved: { error: cancelled } },
      { method: 'forward', params: { question }, result: f, saved: { result: f } },
    ];
    assert.equal(m.replay.isReplayedExperiment({ replayed: true, steps }), true);
    assert.equal(m.replay.isReplayedExperiment({ format: 'spatial-id-lens/experiment', version: 2, steps }), false, 'a file not re-run by the host');
    const r = new m.replay.StepRequester(steps);
    r.action = { index: 1, kind: 'run' };
    assert.equal(await r.request('spatialIds/forward', { question }), f);
    assert.equal(await r.request('spatialIds/probe', { question }), p1);
    r.action = { index: 2, kind: 'steer' };
    await assert.rejects(r.request('spatialIds/steer', {}), (e) => e instanceof m.replay.ReplayedStepFailed && /step 3 \(steer\) failed when the file was re-run: no bank/.test(e.message));
    r.action = { index: 3, kind: 'steer' };
    await assert.rejects(r.request('spatialIds/steer', {}), /step 4 \(steer\) failed when the file was re-run: server stopped/);
    r.action = { index: 4, kind: 'run' };
    assert.equal(await r.request('spatialIds/forward', { question }), f, 'the cancelled sweep no action made is passed over');
    await assert.rejects(r.request('spatialIds/forward', { question }), /no forward step left/);
    const strict = new m.replay.StepRequester([{ method: 'steer', params: {}, result: {}, saved: { result: {} } }, { method: 'probe', params: {}, result: p1, saved: { result: p1 } }]);
    await assert.rejects(strict.request('spatialIds/probe', {}), /step 1 is a steer, but the panel asked for a probe here/, 'a step that answered is never passed over');
    r.finish();
    assert.equal(r.differences.length, 2);
    assert.match(r.differences[0], /^action 1 \(run\), step 1 \(forward\): logprobs\.left -0\.5 became -?\d/);
    assert.equal(r.differences[1], 'action 3 (steer), step 4 (steer): outcome "a result" became "error: server stopped"');
    assert.equal(r.reproduced, 2, 'the failed steer and the cancelled sweep failed the same way again');
  });

  it('a step no replayed action asked for is listed when it differs', () => {
    const r = new m.replay.StepRequester([{ method: 'probe', params: {}, result: { n: 2 }, saved: { result: { n: 1 } } }]);
    r.finish();
    assert.deepEqual(r.differences, ['step 1 (probe) (made by no replayed action): n 1 became 2']);
  });

  it('walks a file saved without UI actions as its steps suggest', () => {
    const actions = m.replay.actionsOfSteps([
      { method: 'forward', params: {} },
      { method: 'probe', params: {} },
      { method: 'steer', params: {} },
      { method: 'probe', params: { interventions: [] } },
      { method: 'sweepPatches', params: {} },
    ]);
    assert.deepEqual(actions, [{ kind: 'run' }, { kind: 'steer' }, { kind: 'sweepPatches' }]);
  });
});

describe('panel state', () => {
  it('starts from init: the question from the first template about the scene\'s objects, the best layer, the default band', () => {
    const s = m.state.initialPanelState(initBody({ settings: { steeringFactor: 4, defaultLayers: [2, 3, 40] }, sceneObjects: m.canned.sceneObjects() }), new Date());
    assert.equal(s.question, 'Is the red circle to the left or right of the blue square?');
    assert.equal(s.layer, 4);
    assert.deepEqual(s.band, [2, 3]);
    assert.equal(s.factor, 4);
    assert.deepEqual(m.state.mediaRef(s.init.media), { image: '/w/a.png' });
    assert.deepEqual(m.state.mediaRef({ kind: 'video', path: '/w/c.mp4', displayUri: '' }), { video: '/w/c.mp4' });
  });

  it('starts an open-vocabulary model with its first template and blank names, for the user to type', () => {
    const s = m.state.initialPanelState(initBody({ model: m.canned.openModel() }), new Date());
    assert.deepEqual([s.templateIndex, s.objectA, s.objectB, s.answerText], [0, '', '', '']);
    assert.equal(s.question, 'Is the … to the left or right of the …?');
    assert.deepEqual(m.state.objectChoices(s), [], 'no object to steer before one is named');
    const none = m.state.initialPanelState(initBody({ model: null }), new Date());
    assert.deepEqual([none.templateIndex, none.question], [-1, '']);
  });

  it('restores a state saved before answer words were kept, and a template index beyond the model’s templates as the user’s own question', () => {
    const { answerText, ...older } = { ...m.state.initialPanelState(initBody(), new Date()), templateIndex: 1 };
    void answerText;
    const restored = m.state.restorePanelState(JSON.parse(JSON.stringify(older)), initBody());
    assert.deepEqual([restored.answerText, restored.templateIndex], ['', 1]);
    assert.equal(m.state.restorePanelState(JSON.parse(JSON.stringify(older)), initBody({ model: m.canned.openModel() })).templateIndex, 1);
    assert.equal(m.state.restorePanelState(JSON.parse(JSON.stringify({ ...older, templateIndex: 5 })), initBody()).templateIndex, -1);
  });

  it('restores a saved state only for the same media, dropping steering read with another bank', () => {
    const s = { ...m.state.initialPanelState(initBody(), new Date()), layer: 2, steps: [{ params: { layers: [2] }, outcome: {}, probeResult: null }] };
    const saved = JSON.parse(JSON.stringify(s));
    const same = m.state.restorePanelState(saved, initBody());
    assert.equal(same.layer, 2);
    assert.equal(same.steps.length, 1);
    assert.equal(m.state.restorePanelState(saved, initBody({ media: { kind: 'image', path: '/w/b.png', displayUri: 'b.png' } })), null);
    const otherBank = m.state.restorePanelState(saved, initBody({ bank: { ...m.canned.spatialBank(), bank: '/other.safetensors' } }));
    assert.equal(otherBank.steps.length, 0);
    assert.equal(m.state.restorePanelState({ version: 0 }, initBody()), null);
  });
});

describe('host messages', () => {
  it('accepts well-formed messages and says what is wrong with the others', () => {
    assert.equal(m.guards.parseHostMessage({ type: 'init', body: initBody() }).ok, true);
    assert.match(m.guards.parseHostMessage({ type: 'init', body: { ...initBody(), media: { kind: 'audio' } } }).error, /unknown media kind "audio"/);
    assert.match(m.guards.parseHostMessage({ type: 'init', body: { ...initBody(), settings: {} } }).error, /settings need/);
    assert.equal(m.guards.parseHostMessage({ type: 'init', body: initBody({ model: m.canned.openModel() }) }).ok, true, 'objects named freely: objectWords null');
    const templatesAsText = { ...m.canned.model(), vocabulary: { questionTemplates: { image: ['Is the {a} left of the {b}?'], video: [] }, objectWords: null } };
    assert.match(m.guards.parseHostMessage({ type: 'init', body: initBody({ model: templatesAsText }) }).error, /model\.vocabulary: questionTemplates must be/);
    const video = (frames) => ({ ...initBody(), media: { kind: 'video', path: '/w/c.mp4', displayUri: 'c.mp4', frames } });
    assert.equal(m.guards.parseHostMessage({ type: 'init', body: video([{ index: 0, seconds: 0, image: 'data:image/png;base64,AA==' }, { index: 9, seconds: null, image: 'f.png' }]) }).ok, true);
    assert.match(m.guards.parseHostMessage({ type: 'init', body: video(['frame-0.png']) }).error, /frames must be \{index, seconds, image\}/);
    assert.match(m.guards.parseHostMessage({ type: 'init', body: video([{ index: 1.5, seconds: 0, image: 'f.png' }]) }).error, /frames must be/);
    assert.match(m.guards.parseHostMessage({ type: 'bank', body: { kind: 'spatial', cells: [{ x: 'a' }], layers: [] } }).error, /cells must be/);
    assert.match(m.guards.parseHostMessage({ type: 'response', requestId: 'x' }).error, /requestId/);
    assert.deepEqual(m.guards.parseHostMessage({ type: 'error', requestId: 3, body: { message: 'boom' } }), {
      ok: true,
      message: { type: 'error', requestId: 3, body: { code: 0, message: 'boom', retryable: false } },
    });
    assert.match(m.guards.parseHostMessage({ type: 'serverState', body: { state: 'exploded' } }).error, /unknown server state/);
    assert.match(m.guards.parseHostMessage({ type: 'nope' }).error, /unknown message type "nope"/);
    assert.match(m.guards.parseHostMessage('text').error, /without a type/);
  });
});

describe('host bridge', () => {
  function fakeHost() {
    const posted = [];
    let listener = null;
    const target = { addEventListener: (_t, l) => (listener = l), removeEventListener: () => (listener = null) };
    const api = { postMessage: (msg) => posted.push(msg), getState: () => undefined, setState: () => {} };
    const events = [];
    const bridge = new m.bridge.HostBridge(api, target, (e) => events.push(e));
    return { bridge, posted, events, deliver: (data) => listener({ data }) };
  }

  it('matches responses to requests by id, in any order', async () => {
    const { bridge, posted, deliver } = fakeHost();
    const a = bridge.request('spatialIds/forward', { media: { image: 'a' }, question: 'q1' });
    const b = bridge.request('spatialIds/forward', { media: { image: 'a' }, question: 'q2' });
    assert.deepEqual(posted.map((p) => [p.type, p.requestId, p.body.method]), [
      ['request', 1, 'spatialIds/forward'],
      ['request', 2, 'spatialIds/forward'],
    ]);
    deliver({ type: 'response', requestId: 2, body: 'second' });
    deliver({ type: 'response', requestId: 1, body: 'first' });
    assert.equal(await a, 'first');
    assert.equal(await b, 'second');
    assert.equal(bridge.pendingCount, 0);
  });

  it('rejects with the host’s error; unmatched errors and other messages go to the panel', async () => {
    const { bridge, events, deliver } = fakeHost();
    const p = bridge.request('spatialIds/steer', { bank: 'b', layers: [2] });
    deliver({ type: 'error', requestId: 1, body: { code: -32099, message: 'server restarted', retryable: true } });
    await assert.rejects(p, (e) => e instanceof m.bridge.RequestFailed && e.code === -32099 && e.retryable === true);
    deliver({ type: 'error', requestId: 99, body: { code: -32011, message: 'unreadable video', retryable: false } });
    deliver({ type: 'serverState', body: { state: 'running' } });
    deliver({ type: 'mystery' });
    assert.deepEqual(events.map((e) => e.type), ['error', 'serverState', 'invalid']);
  });

  it('fails every open request when the server goes away', async () => {
    const { bridge } = fakeHost();
    const p = bridge.request('spatialIds/probe', { bank: 'b', media: { image: 'a' }, question: 'q' });
    bridge.failAll('The inference server is restarting.', true);
    await assert.rejects(p, /restarting/);
    assert.equal(bridge.pendingCount, 0);
  });
});
