// The logic behind the layers over the picture, in Node: the photo note from a probe's domain,
// which drawn boxes a probe sends, and panel state saved before the picture had modes and boxes.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadTs } from './support/loadTs.mjs';

const m = {};
before(async () => {
  m.note = await loadTs('src/logic/domainNote.ts');
  m.grid = await loadTs('src/logic/grid.ts');
  m.state = await loadTs('src/state/panelState.ts');
  m.canned = await loadTs('test/fixtures/cannedResults.ts');
});

const WHOLE = { x: 0, y: 0, width: 1, height: 1 };
const domain = (picture, canvas = { width: 96, height: 96 }) => ({ bank: { derivedOn: 'scenes', grid: 4, canvas }, picture });

function initBody(overrides = {}) {
  return {
    media: { kind: 'image', path: '/w/street.jpg', displayUri: 'street.jpg' },
    model: m.canned.openModel(),
    bank: m.canned.spatialBank(),
    settings: { steeringFactor: 5, defaultLayers: [2, 3, 4] },
    ...overrides,
  };
}

describe('the photo note', () => {
  it('says plainly that scene-derived IDs are read on a photo, and what part of it the model sees', () => {
    assert.match(m.note.domainNote(domain({ width: 150, height: 100, kind: 'photo', region: WHOLE })), /^IDs derived on 96-px synthetic scenes, read on a 150x100 photo: /);
    const crop = m.note.domainNote(domain({ width: 150, height: 100, kind: 'photo', region: { x: 1 / 6, y: 0, width: 2 / 3, height: 1 } }, { width: 336, height: 336 }));
    assert.match(crop, /^IDs derived on 336-px synthetic scenes, read on a 150x100 photo: .* The model sees only the centre 100x100 of it; the grid covers that part\.$/);
    assert.match(m.note.domainNote(domain({ width: 640, height: 480, kind: 'photo', region: WHOLE }, { width: 1024, height: 768 })), /^IDs derived on 1024x768-px synthetic scenes/);
  });

  it('says nothing for a scene, a clip or a probe without a domain', () => {
    assert.equal(m.note.domainNote(domain({ width: 96, height: 96, kind: 'scene', region: WHOLE })), null);
    assert.equal(m.note.domainNote(domain(null)), null);
    assert.equal(m.note.domainNote(undefined), null);
  });

  it('regions: the whole picture and equal rectangles', () => {
    assert.ok(m.grid.isWholePicture(WHOLE));
    assert.ok(!m.grid.isWholePicture(m.grid.visibleRegionOf('llava', 150, 100)));
    assert.ok(m.grid.sameRect(m.grid.visibleRegionOf('llava', 150, 100), { x: 1 / 6, y: 0, width: 2 / 3, height: 1 }));
  });
});

describe('boxes in the panel state', () => {
  it('a probe sends the boxes of the objects it reads, on a picture with a spatial bank only', () => {
    const s = { ...m.state.initialPanelState(initBody(), new Date()), boxes: { dog: { x: 0.1, y: 0.6, width: 0.2, height: 0.3 }, cat: WHOLE } };
    assert.deepEqual(m.state.boxesFor(s, ['dog', 'traffic light']), { dog: { x: 0.1, y: 0.6, width: 0.2, height: 0.3 } });
    assert.equal(m.state.boxesFor(s, ['traffic light']), null);
    const clip = { ...s, init: initBody({ media: { kind: 'video', path: '/w/a.mp4', displayUri: 'f.png' } }) };
    assert.equal(m.state.boxesFor(clip, ['dog']), null);
    assert.equal(m.state.canDrawBoxes({ ...s, init: initBody({ bank: m.canned.temporalBank() }) }), false);
  });

  it('boxes are drawn for the objects the question asks about', () => {
    const s = { ...m.state.initialPanelState(initBody(), new Date()), objectA: 'dog', objectB: 'traffic light', question: 'Is the dog to the left or right of the traffic light?' };
    assert.deepEqual(m.state.boxObjects(s), ['dog', 'traffic light']);
    assert.deepEqual(m.state.boxObjects({ ...s, templateIndex: 2, question: 'Where is the dog?' }), ['dog'], 'a one-object template');
  });

  it('starts on the heatmap with no boxes; a state saved before modes and boxes restores with them', () => {
    const s = m.state.initialPanelState(initBody(), new Date());
    assert.equal(s.mediaMode, 'heatmap');
    assert.deepEqual(s.boxes, {});
    const { mediaMode, boxes, boxObject, ...older } = { ...s, mediaMode: 'tokens' };
    const restored = m.state.restorePanelState(JSON.parse(JSON.stringify(older)), initBody());
    assert.equal(restored.mediaMode, 'heatmap');
    assert.deepEqual(restored.boxes, {});
    assert.equal(restored.boxObject, null);
    const kept = m.state.restorePanelState(JSON.parse(JSON.stringify({ ...s, mediaMode: 'boxes', boxes: { dog: WHOLE } })), initBody());
    assert.equal(kept.mediaMode, 'boxes');
    assert.deepEqual(kept.boxes, { dog: WHOLE });
  });
});
