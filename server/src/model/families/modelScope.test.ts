import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import type { ModelInfo } from '../../../../protocol/requests';
import { BUNDLED_MODEL, makeTempDir } from '../../../test/support/sceneFixture';
import { COLOUR_NAMES, SHAPE_NAMES } from '../../scenes/vocabulary';
import { ScopeConfigError, declaredScopeOf, modelScopeOf, objectWordsPhrase, withScope } from './modelScope';

const sceneWords = COLOUR_NAMES.flatMap((c) => SHAPE_NAMES.map((s) => `${c} ${s}`));
const bundledConfig = JSON.parse(fs.readFileSync(path.join(BUNDLED_MODEL, 'config.json'), 'utf8'));

/** The fields scope reads, as the bundled model reports them (a loaded ModelInfo has more). */
function info(over: Partial<ModelInfo> = {}): ModelInfo {
  return {
    dir: BUNDLED_MODEL,
    family: 'tiny-spatial-vlm',
    imageSize: { width: 96, height: 96 },
    vocabSize: bundledConfig.text_config.vocab_size,
    vocabulary: { questionTemplates: { image: [], video: [] }, objectWords: sceneWords },
    decoderHash: 'test',
    ...over,
  } as ModelInfo;
}

describe('model scope', () => {
  test('the bundled model states its own scope from config.json, filled from its canvas and vocabulary', () => {
    const declared = declaredScopeOf(bundledConfig);
    assert.ok(declared, 'config.json spatial_id_lens.scope is present');
    const scope = modelScopeOf(info(), declared, bundledConfig.spatial_id_lens.canvas);
    assert.equal(scope.source, 'config');
    assert.match(scope.summary, /^Trained on 96-px views of synthetic scenes/);
    assert.ok(scope.summary.includes(`8 colours (${COLOUR_NAMES.join(', ')}) x 8 shapes (${SHAPE_NAMES.join(', ')})`), scope.summary);
    assert.match(scope.summary, /backgrounds of any lightness/);
    assert.ok(!/\{\w+\}/.test(scope.summary + scope.limits.join(' ')), 'no placeholder left unfilled');
    assert.ok(scope.limits.some((l) => /photos/i.test(l) && /outside its training/i.test(l)), 'says photos are out of scope');
    assert.ok(scope.limits.some((l) => l.includes(`${bundledConfig.text_config.vocab_size}-token`)));
  });

  test('withScope reads the folder once and returns ModelInfo with the scope', () => {
    const a = withScope(info());
    assert.equal(a.scope?.source, 'config');
    assert.equal(withScope(info()).scope, a.scope, 'cached per folder and decoder');
  });

  test('a folder without a declared scope gets its family: free questions, no claims', () => {
    const dir = makeTempDir('scope');
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'llava' }));
    const scope = withScope(info({ dir, family: 'llava', imageSize: { width: 336, height: 336 }, vocabulary: { questionTemplates: { image: [], video: [] }, objectWords: null } })).scope!;
    assert.equal(scope.source, 'family');
    assert.match(scope.summary, /^A llava model \(sil-scope-[\w-]+\): ask free questions about any picture; it reads each picture resized to 336x336\.$/);
    assert.ok(scope.limits.some((l) => /No ID bank until one is derived/.test(l)));
    const native = modelScopeOf(info({ family: 'qwen2-vl', imageSize: null, vocabulary: { questionTemplates: { image: [], video: [] }, objectWords: null } }), null, null);
    assert.match(native.summary, /its processor resizes each picture/);
  });

  test('a malformed declared scope is refused by name, and the model still loads with its family scope and the fix', () => {
    assert.throws(() => declaredScopeOf({ spatial_id_lens: { scope: 'small scenes' } }), (e: unknown) => e instanceof ScopeConfigError && /trained_on/.test(e.message));
    assert.throws(() => declaredScopeOf({ spatial_id_lens: { scope: { trained_on: 'x', limits: 'photos' } } }), /limits must be a list/);
    const dir = makeTempDir('scope');
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ spatial_id_lens: { scope: { trained_on: '' } } }));
    const scope = withScope(info({ dir, family: 'llava' })).scope!;
    assert.equal(scope.source, 'family');
    assert.match(scope.limits[0], /spatial_id_lens\.scope must be an object/);
  });

  test('object words that are not "<colour> <shape>" pairs are listed as they are', () => {
    assert.equal(objectWordsPhrase(['dog', 'traffic light']), 'dog, traffic light');
    assert.equal(objectWordsPhrase(null), null);
  });
});
