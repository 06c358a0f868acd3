import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { CodedError, ErrorCodes } from '../../../protocol/errors';
import { ModelRunner, RunOutput } from './modelRunner';
import type { PromptToken } from '../model/promptProcessor';
import { makeTempDir } from '../../test/support/sceneFixture';
import { PHOTO, TWINS, lastRow, skipUnlessPresent, twinPresent } from '../../test/support/twinFixtures';

/**
 * Word positions and answer tokens in the real families' tokenizers (the twins carry each
 * family's tokenizer kind): byte-level BPE (Qwen2-VL, SmolVLM: "Ġ" marks a space) and
 * SentencePiece-style BPE (LLaVA-1.5: Prepend + Replace "▁" normalizer, byte fallback; Gemma-3:
 * Replace only). METHOD.md: the object token of X is the last sub-token of " X" in the question;
 * an answer word is scored at its first sub-token, the one a greedy answer would start with.
 */

const QUESTION = 'Is the traffic light to the left or right of the diamond?';
const ANSWERS = ['left', 'right', 'diamond'];

/** A token's surface text: the space / newline markers of SentencePiece ('▁', <0x0A>) and byte-level BPE ('Ġ', 'Ċ'). */
function surface(t: PromptToken): string {
  if (t.kind !== 'text') return '';
  return t.text.replace(/<0x([0-9A-F]{2})>/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))).replace(/[▁Ġ]/g, ' ').replace(/Ċ/g, '\n');
}

/**
 * Independently of wordPosition: the position of the token whose surface text ends exactly where
 * `phrase` ends in the prompt (so no token spans the word's end).
 */
function tokenEndingPhrase(tokens: readonly PromptToken[], phrase: string): number {
  const texts = tokens.map(surface);
  const joined = texts.join('');
  const start = joined.indexOf(phrase);
  assert.ok(start >= 0 && joined.indexOf(phrase, start + 1) < 0, `"${phrase}" once in the prompt's surface text ${JSON.stringify(joined)}`);
  const end = start + phrase.length;
  let at = 0;
  for (let p = 0; p < texts.length; p++) {
    at += texts[p].length;
    if (at === end) return p;
    if (at > end) assert.fail(`token ${p} ${JSON.stringify(tokens[p].text)} spans the end of "${phrase}"`);
  }
  return assert.fail(`"${phrase}" runs past the prompt`);
}

/** log-softmax in float64, written here rather than imported so the test checks the runner's. */
function logSoftmax(v: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) max = Math.max(max, v[i]);
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += Math.exp(v[i] - max);
  return Array.from(v, (x) => x - max - Math.log(sum));
}

const cacheDir = makeTempDir('token-positions-twins');
after(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

for (const twin of TWINS) {
  describe(`word positions in the ${twin.name} twin's tokenizer`, { skip: skipUnlessPresent(twin) }, () => {
    if (!twinPresent(twin)) return;
    let runner: ModelRunner;
    let out: RunOutput;
    let encode: (text: string) => number[];
    before(async () => {
      runner = await ModelRunner.load(twin.dir, { cacheDir, threads: 1 });
      encode = (text) => runner.model.encodeText(text);
      out = await runner.forward({ media: { image: PHOTO }, question: QUESTION, answers: ANSWERS, maxNewTokens: 1 });
    });
    after(async () => runner?.dispose());

    test('" traffic" and " diamond" are several sub-tokens here (else last and first sub-token would coincide)', () => {
      assert.ok(encode(' diamond').length > 1, `' diamond' -> ${JSON.stringify(encode(' diamond'))}`);
      assert.ok(encode(' traffic').length > 1, `' traffic' -> ${JSON.stringify(encode(' traffic'))}`);
    });

    test('"traffic light" is the last sub-token of " light" in the question', () => {
      const expected = tokenEndingPhrase(out.prompt.tokens, ' traffic light');
      assert.equal(runner.wordPosition(out.prompt, 'traffic light'), expected);
      assert.equal(out.prompt.ids[expected], encode(' light').at(-1), `token ${JSON.stringify(out.prompt.tokens[expected].text)} is the last of ' light'`);
      // and "traffic" alone stops earlier, at its own last sub-token
      assert.equal(runner.wordPosition(out.prompt, 'traffic'), tokenEndingPhrase(out.prompt.tokens, ' traffic'));
    });

    test('"diamond" is the last sub-token of " diamond"', () => {
      const expected = tokenEndingPhrase(out.prompt.tokens, ' diamond');
      assert.equal(runner.wordPosition(out.prompt, 'diamond'), expected);
      assert.equal(out.prompt.ids[expected], encode(' diamond').at(-1));
      assert.equal(out.prompt.tokens[expected + 1].text, '?', 'the next token is the question mark');
    });

    test('an answer word is scored at its first sub-token: logprobs[w] = log-softmax(last logits)[encodeText(" " + w)[0]]', () => {
      const vocab = runner.model.folder.config.text_config.vocab_size;
      const lp = logSoftmax(lastRow(out.logits, vocab));
      assert.deepEqual(Object.keys(out.logprobs).sort(), [...ANSWERS].sort());
      for (const w of ANSWERS) {
        const id = encode(` ${w}`)[0];
        assert.ok(Math.abs(out.logprobs[w] - lp[id]) <= 1e-9, `${w}: ${out.logprobs[w]} vs ${lp[id]} at id ${id}`);
      }
    });

    test('each answer word has its own first sub-token, a piece of the word (not a bare space marker)', () => {
      // "diamond" is kept multi-token on purpose: its first piece may be a bare space marker, as a greedy answer would start
      const whole = ['left', 'right'];
      const firsts = whole.map((w) => encode(` ${w}`)[0]);
      assert.equal(new Set(firsts).size, whole.length, `first sub-tokens ${JSON.stringify(firsts)}`);
      for (const [i, w] of whole.entries()) {
        const piece = runner.model.decode([firsts[i]]).trim();
        assert.ok(piece.length > 0 && w.startsWith(piece), `${w}: first sub-token ${firsts[i]} decodes to ${JSON.stringify(piece)}`);
      }
      assert.notEqual(out.logprobs.left, out.logprobs.right, 'two answer words, two log-probabilities');
    });

    test('a word not in the question: CodedError naming the word and quoting the question (run API selector)', async () => {
      await assert.rejects(
        runner.forward({ media: { image: PHOTO }, question: QUESTION, interventions: [{ kind: 'add', layer: 0, positions: { words: ['zebra'] }, vector: new Float32Array(runner.hiddenSize) }], maxNewTokens: 1 }),
        (e: unknown) => {
          assert.ok(e instanceof CodedError, `a CodedError, got ${e}`);
          assert.equal(e.code, ErrorCodes.badQuestion);
          assert.match(e.message, /"zebra"/);
          assert.ok(e.message.includes(QUESTION), `the message quotes the question: ${e.message}`);
          return true;
        },
      );
    });

    test('a word not in the question: runner.wordPosition throws a CodedError naming the word', () => {
      assert.throws(() => runner.wordPosition(out.prompt, 'zebra'), (e: unknown) => e instanceof CodedError && e.code === ErrorCodes.badQuestion && e.message.includes('"zebra"'));
    });

    test('a word not in the question: runner.wordPosition\'s error quotes the question', () => {
      assert.throws(() => runner.wordPosition(out.prompt, 'zebra', QUESTION), (e: unknown) => e instanceof CodedError && e.message.includes(QUESTION));
    });
  });
}
