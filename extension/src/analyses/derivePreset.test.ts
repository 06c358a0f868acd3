import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { panelDeriveParams } from './derivePreset';

test('the bundled model derives the full default; other families a 60-scene set', () => {
  assert.deepEqual(panelDeriveParams({ family: 'tiny-spatial-vlm' }, 'spatial'), {});
  assert.deepEqual(panelDeriveParams({ family: 'qwen2_vl' }, 'spatial'), { objects: ['red circle', 'blue square'], sizes: [18] });
  assert.deepEqual(panelDeriveParams({ family: 'qwen2_vl' }, 'temporal'), {}, 'temporal banks keep their own defaults');
});
