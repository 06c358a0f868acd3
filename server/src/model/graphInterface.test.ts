import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpenGraphs, checkGraphInterfaces } from './graphInterface';
import { ModelFolder, ModelFolderError, openModelFolder } from './modelFolder';
import { writeModelFolderFixture } from '../../test/support/modelFolderFixture';

/** Graph metadata as onnxruntime reports it, for the fixture folder's sizes (hidden 128, vocab, 96x96 images). */
type Shape = Array<number | string>;
function graph(inputs: Record<string, Shape>, outputs: Record<string, Shape>) {
  const meta = (m: Record<string, Shape>) => Object.entries(m).map(([name, shape]) => ({ name, isTensor: true as const, type: 'float32' as const, shape }));
  return { inputNames: Object.keys(inputs), outputNames: Object.keys(outputs), inputMetadata: meta(inputs), outputMetadata: meta(outputs) };
}

function graphsFor(folder: ModelFolder): OpenGraphs {
  const vocab = folder.config.text_config.vocab_size;
  return {
    vision: graph({ pixel_values: ['n', 3, 96, 96] }, { image_features: ['n', 16, 128] }),
    video: graph({ pixel_values_videos: ['frames', 3, 96, 96] }, { video_features: [1, 'tokens', 128] }),
    embedTokens: graph({ input_ids: ['b', 's'] }, { inputs_embeds: ['b', 's', 128] }),
    decoder: graph(
      { inputs_embeds: ['b', 's', 128], attention_mask: ['b', 't'], position_ids: ['b', 's'], 'past_key_values.0.key': ['b', 4, 'p', 32] },
      { logits: ['b', 's', vocab], 'present.0.key': ['b', 4, 't', 32] },
    ),
  };
}

const refused = (pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof ModelFolderError, String(e));
  assert.match(e.message, pattern);
  return true;
};

test('graphs with the expected names and sizes pass; symbolic sizes are left alone', () => {
  const folder = openModelFolder(writeModelFolderFixture());
  checkGraphInterfaces(folder, graphsFor(folder));
});

test('swapped encoders, a wrong width, a wrong vocabulary and a wrong KV layout are refused by name and size', () => {
  const folder = openModelFolder(writeModelFolderFixture());
  const good = graphsFor(folder);
  assert.throws(() => checkGraphInterfaces(folder, { ...good, vision: good.video!, video: good.vision }), refused(/vision_encoder\.onnx has no input "pixel_values" \(its inputs are pixel_values_videos\), so it is not the image encoder/));
  const narrow = graph({ pixel_values: ['n', 3, 96, 96] }, { image_features: ['n', 16, 64] });
  assert.throws(() => checkGraphInterfaces(folder, { ...good, vision: narrow }), refused(/output "image_features" has size 64 on axis 2 .*"hidden_size" is 128/));
  const tokens = graph({ pixel_values: ['n', 3, 96, 96] }, { image_features: ['n', 9, 128] });
  assert.throws(() => checkGraphInterfaces(folder, { ...good, vision: tokens }), refused(/has size 9 on axis 1 .*"image_seq_length" is 16/));
  const pixels = graph({ pixel_values: ['n', 3, 224, 224] }, { image_features: ['n', 16, 128] });
  assert.throws(() => checkGraphInterfaces(folder, { ...good, vision: pixels }), refused(/input "pixel_values" has size 224 on axis 2 .*preprocessed image/));
  const decoder = graph({ inputs_embeds: ['b', 's', 128], attention_mask: ['b', 't'], position_ids: ['b', 's'], 'past_key_values.0.key': ['b', 2, 'p', 32] }, { logits: ['b', 's', 999] });
  assert.throws(() => checkGraphInterfaces(folder, { ...good, decoder }), refused(/output "logits" has size 999 on axis 2/));
  const kv = graph({ inputs_embeds: ['b', 's', 128], attention_mask: ['b', 't'], position_ids: ['b', 's'], 'past_key_values.0.key': ['b', 2, 'p', 32] }, { logits: ['b', 's', folder.config.text_config.vocab_size] });
  assert.throws(() => checkGraphInterfaces(folder, { ...good, decoder: kv }), refused(/"past_key_values\.0\.key" has size 2 on axis 1 .*num_key_value_heads x head_dim/));
});
