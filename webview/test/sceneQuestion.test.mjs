// The panel's first question and the question box's controls, in Node: a scene-engine picture is
// asked about objects that are in it (its sidecar, InitBody.sceneObjects), any other picture starts
// with blank names; a typed question moves the template and the names to what it says.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadTs } from './support/loadTs.mjs';

let q;
let state;
let canned;
before(async () => {
  q = await loadTs('src/logic/questions.ts');
  state = await loadTs('src/state/panelState.ts');
  canned = await loadTs('test/fixtures/cannedResults.ts');
});

/** The bundled model's image templates: left/right, above/below, the colour question (shapes), grounding. */
const TEMPLATES = [
  { text: 'Is the {a} to the left or right of the {b}?', objects: 2, relation: 'leftRight', answers: ['left', 'right'] },
  { text: 'Is the {a} above or below the {b}?', objects: 2, relation: 'aboveBelow', answers: ['above', 'below'] },
  { text: 'What colour is the {a}?', objects: 1, relation: null, answers: [], objectWords: ['circle', 'square', 'star', 'ring'] },
  { text: 'Where is the {a}?', objects: 1, relation: null, answers: [] },
];
const WORDS = ['red circle', 'red square', 'blue square', 'green star', 'yellow star', 'cyan ring'];
/** An object centred in a cell (0-based column, row) of a 4x4 grid. */
const at = (name, column, row, appearFrame) => ({ name, x: (column + 0.5) / 4, y: (row + 0.5) / 4, size: 0.2, ...(appearFrame !== undefined ? { appearFrame } : {}) });

describe('the first question', () => {
  it('asks about two objects of the scene, with a relation the scene answers', () => {
    const leftRight = { grid: 4, objects: [at('blue square', 2, 2), at('red circle', 0, 1)] };
    assert.deepEqual(q.firstQuestion(TEMPLATES, WORDS, leftRight), { templateIndex: 0, objectA: 'blue square', objectB: 'red circle' });
    // one column: left/right has no answer, above/below has
    const column = { grid: 4, objects: [at('green star', 2, 0), at('yellow star', 2, 3)] };
    assert.deepEqual(q.firstQuestion(TEMPLATES, WORDS, column), { templateIndex: 1, objectA: 'green star', objectB: 'yellow star' });
    // one object: the colour question by its shape (the only circle), not the vocabulary's first two words
    const alone = { grid: 4, objects: [at('red circle', 1, 1)] };
    assert.deepEqual(q.firstQuestion(TEMPLATES, WORDS, alone), { templateIndex: 2, objectA: 'circle', objectB: '' });
    // two stars: "What colour is the star?" has no single answer; grounding asks about the first
    const stars = { grid: 4, objects: [at('green star', 1, 1), at('yellow star', 1, 1)] };
    assert.deepEqual(q.firstQuestion(TEMPLATES, WORDS, stars), { templateIndex: 3, objectA: 'green star', objectB: '' });
  });

  it('asks a clip before/after only about objects that appear at different frames', () => {
    const video = [{ text: 'Does the {a} appear before or after the {b}?', objects: 2, relation: 'beforeAfter', answers: ['before', 'after'] }];
    const clip = { grid: 4, objects: [at('red circle', 0, 0, 3), at('blue square', 3, 3, 3), at('green star', 1, 2, 6)] };
    assert.deepEqual(q.firstQuestion(video, WORDS, clip), { templateIndex: 0, objectA: 'red circle', objectB: 'green star' });
  });

  it('names only what the closed vocabulary has; free names take the scene’s; no scene: blank names', () => {
    const scene = { grid: 4, objects: [at('magenta blob', 0, 0), at('red circle', 3, 0), at('blue square', 0, 3)] };
    assert.deepEqual(q.firstQuestion(TEMPLATES, WORDS, scene), { templateIndex: 0, objectA: 'red circle', objectB: 'blue square' });
    assert.deepEqual(q.firstQuestion(TEMPLATES.slice(0, 2), null, scene), { templateIndex: 0, objectA: 'magenta blob', objectB: 'red circle' });
    assert.deepEqual(q.firstQuestion(TEMPLATES, WORDS, undefined), { templateIndex: 0, objectA: '', objectB: '' });
    assert.deepEqual(q.firstQuestion([], WORDS, scene), { templateIndex: -1, objectA: '', objectB: '' });
  });

  it('the panel opens on it: the scene’s question, or a blank one that Run explains', () => {
    const init = (over) => ({ media: { kind: 'image', path: '/w/a.png', displayUri: 'a.png' }, model: canned.model(), bank: canned.spatialBank(), settings: { steeringFactor: 5, defaultLayers: [2, 3, 4] }, ...over });
    const scene = state.initialPanelState(init({ sceneObjects: { grid: 4, objects: [at('green triangle', 1, 3), at('yellow star', 1, 0)] } }), new Date());
    assert.equal(scene.question, 'Is the green triangle above or below the yellow star?');
    assert.deepEqual(state.objectChoices(scene), ['green triangle', 'yellow star']);
    const photo = state.initialPanelState(init({}), new Date());
    assert.deepEqual([photo.templateIndex, photo.objectA, photo.objectB, photo.question], [0, '', '', 'Is the … to the left or right of the …?']);
    assert.deepEqual(state.objectChoices(photo), []);
    assert.match(q.askedQuestion(photo, q.templatesOf(photo.init), q.closedObjectWords(photo.init)).problem, /Name both objects/);
  });
});

describe('a typed question moves the controls', () => {
  const typed = (question, names = { objectA: 'red circle', objectB: 'blue square' }) => q.choiceForTyped(question, TEMPLATES, WORDS, names);

  it('to the template it has the shape of, with the names it fills in', () => {
    assert.deepEqual(typed('Is the blue square above or below the green star?'), { templateIndex: 1, objectA: 'blue square', objectB: 'green star' });
    assert.deepEqual(typed('  is the Green Star to the left  or right of the red circle?'), { templateIndex: 0, objectA: 'green star', objectB: 'red circle' });
    assert.deepEqual(typed('What colour is the ring?'), { templateIndex: 2, objectA: 'ring', objectB: '' });
    // one object named: never "blue square and blue square"
    assert.deepEqual(typed('Where is the blue square?'), { templateIndex: 3, objectA: 'blue square', objectB: '' });
  });

  it('to "own question" with the objects it names when it fits no template', () => {
    assert.deepEqual(typed('Is the blue square bigger than the cyan ring?'), { templateIndex: -1, objectA: 'blue square', objectB: 'cyan ring' });
    assert.deepEqual(typed('Is the blue square above the green star?'), { templateIndex: -1, objectA: 'blue square', objectB: 'green star' }, 'not the template: "or below" is missing');
    assert.deepEqual(typed('Is the purple heart here?'), { templateIndex: -1, objectA: '', objectB: '' }, 'no word of the vocabulary: nothing carried over');
    // a template's shape with a word the vocabulary lacks is not that template
    assert.deepEqual(typed('Is the big dog above or below the red circle?'), { templateIndex: -1, objectA: 'red circle', objectB: '' });
  });

  it('free names: a template fills them; an own question keeps the names typed beside it', () => {
    const open = (question, names) => q.choiceForTyped(question, TEMPLATES.slice(0, 2), null, names);
    assert.deepEqual(open('Is the dog above or below the traffic light?', { objectA: '', objectB: '' }), { templateIndex: 1, objectA: 'dog', objectB: 'traffic light' });
    assert.deepEqual(open('Is the dog bigger than the cat?', { objectA: 'dog', objectB: 'cat' }), { templateIndex: -1, objectA: 'dog', objectB: 'cat' });
  });

  it('the steering choices follow the box once its question is not the run’s', () => {
    const s0 = { ...state.initialPanelState({ media: { kind: 'image', path: '/w/a.png', displayUri: 'a.png' }, model: canned.model(), bank: canned.spatialBank(), settings: { steeringFactor: 5, defaultLayers: [2] }, sceneObjects: canned.sceneObjects() }, new Date()) };
    const ran = {
      ...s0,
      baseline: { forward: { media: { image: '/w/a.png' }, question: s0.question, answers: ['left', 'right'] }, probe: null, answer: { answer: 'left', logprobs: {} }, probeResult: { objects: [{ object: 'red circle' }, { object: 'blue square' }] } },
    };
    assert.deepEqual(state.objectChoices(ran), ['red circle', 'blue square']);
    assert.equal(state.questionIsRun(ran), true);
    const retyped = { ...ran, question: 'Is the yellow star above or below the green triangle?', templateIndex: 1, objectA: 'yellow star', objectB: 'green triangle' };
    assert.equal(state.questionIsRun(retyped), false);
    assert.deepEqual(state.objectChoices(retyped), ['yellow star', 'green triangle']);
    const own = { ...ran, question: 'Is the green triangle near the yellow star or the red circle?', templateIndex: -1, objectA: 'green triangle', objectB: 'yellow star' };
    assert.deepEqual(state.objectChoices(own), ['green triangle', 'yellow star', 'red circle'], 'an own question: every object it names');
  });
});
