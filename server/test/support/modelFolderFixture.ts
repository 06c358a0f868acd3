import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { questionVocabulary } from '../../src/scenes/questions';

/**
 * For tests: writes a model folder with the configs and tokenizer of the bundled model's
 * layout (models/tiny-spatial-vlm) and empty placeholder graphs, so folder checks, prompts and
 * preprocessing can be tested without a trained export.
 */

export const FIXTURE_SPECIALS = ['<pad>', '<s>', '</s>', '<unk>', '<image>', '<video>'];

export const FIXTURE_CHAT_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}USER: " +
  "{% for part in message['content'] %}{% if part['type'] == 'image' %}{{ '<image>\\n' }}{% elif part['type'] == 'video' %}{{ '<video>\\n' }}{% endif %}{% endfor %}" +
  "{% for part in message['content'] %}{% if part['type'] == 'text' %}{{ part['text'] }}{% endif %}{% endfor %} ASSISTANT:" +
  '{% endif %}{% endfor %}';

export function fixtureVocabulary(): string[] {
  return [...new Set([...FIXTURE_SPECIALS, ...questionVocabulary(), 'USER', 'ASSISTANT', ':', '?'])];
}

export function fixtureTokenizerJson(vocab = fixtureVocabulary()): object {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: FIXTURE_SPECIALS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '<unk>', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(vocab.map((w, i) => [w, i])) },
  };
}

export function fixtureTokenizerConfig(): Record<string, unknown> {
  return { bos_token: '<s>', eos_token: '</s>', pad_token: '<pad>', unk_token: '<unk>', chat_template: FIXTURE_CHAT_TEMPLATE };
}

export function fixtureConfig(): Record<string, unknown> {
  return {
    model_type: 'llava',
    // the bundled model's layout (fixed media sizes, video encoder): the tiny-spatial-vlm family
    spatial_id_lens: {},
    image_token_index: 4,
    video_token_index: 5,
    image_seq_length: 16,
    eos_token_id: 2,
    text_config: { hidden_size: 128, num_hidden_layers: 6, num_attention_heads: 4, num_key_value_heads: 4, head_dim: 32, vocab_size: fixtureVocabulary().length },
    vision_config: { image_size: 96, patch_size: 12 },
    video_config: { num_frames: 8, tokens_per_frame: 4, encoder: 'image_encoder_pooled' },
  };
}

export interface FixtureOverrides {
  /** File name -> JSON content, or null to leave the file out. */
  files?: Record<string, unknown | null>;
  /** Graph names under onnx/ to leave out. */
  omitGraphs?: string[];
}

/** Writes a fixture folder in a fresh temp dir and returns its path. */
export function writeModelFolderFixture(overrides: FixtureOverrides = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sil-model-'));
  const files: Record<string, unknown | null> = {
    'config.json': fixtureConfig(),
    'preprocessor_config.json': { size: { height: 96, width: 96 }, do_resize: true, resample: 2, do_rescale: true, rescale_factor: 1 / 255, do_normalize: true, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5] },
    'processor_config.json': { image_seq_length: 16, video_seq_length: 32, num_frames: 8 },
    'tokenizer.json': fixtureTokenizerJson(),
    'tokenizer_config.json': fixtureTokenizerConfig(),
    'generation_config.json': { bos_token_id: 1, eos_token_id: 2, pad_token_id: 0 },
    ...overrides.files,
  };
  for (const [name, content] of Object.entries(files)) {
    if (content !== null) fs.writeFileSync(path.join(dir, name), JSON.stringify(content));
  }
  fs.mkdirSync(path.join(dir, 'onnx'));
  for (const graph of ['vision_encoder', 'video_encoder', 'embed_tokens', 'decoder_model_merged']) {
    if (!overrides.omitGraphs?.includes(graph)) fs.writeFileSync(path.join(dir, 'onnx', `${graph}.onnx`), '');
  }
  return dir;
}
