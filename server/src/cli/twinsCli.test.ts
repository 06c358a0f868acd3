import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import type { ForwardResult, ModelInfo } from '../../../protocol/requests';
import { BUNDLED_MODEL, REPO_ROOT, makeTempDir } from '../../test/support/sceneFixture';
import { PHOTO, TWINS, skipUnlessPresent } from '../../test/support/twinFixtures';
import { runCli } from '../../test/support/cliRuns';

/**
 * `spatial-id-lens info` and `forward` on every real-family twin and on the bundled model, as a
 * user runs them: the built CLI as a child process (telemetry off, a fresh XDG_CACHE_HOME for the
 * instrumented graphs), exit status 0, the family and layer count in `info`, and `forward --json`
 * capturing every layer with one `--steer`, all numbers finite. The bundled model must still read
 * as family tiny-spatial-vlm with 16 image tokens now that real families load beside it.
 */

const QUESTION = 'Is the red circle to the left or right of the blue square?';
const tmp = makeTempDir('twins-cli');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cli = (...args: string[]) => runCli(path.join(tmp, 'cache'), args);

const lastLine = (s: string) => JSON.parse(s.trim().split('\n').pop()!) as unknown;

function assertFinite(values: Iterable<number>, what: string): void {
  for (const v of values) assert.ok(Number.isFinite(v), `${what}: ${v} is not finite`);
}

interface Model {
  name: string;
  dir: string;
  family: string;
  skip: false | string;
}

const bundledPresent = fs.existsSync(path.join(BUNDLED_MODEL, 'onnx/decoder_model_merged.onnx'));
const MODELS: Model[] = [
  ...TWINS.map((t) => ({ name: `${t.name} twin`, dir: t.dir, family: t.family, skip: skipUnlessPresent(t) })),
  { name: 'bundled model', dir: BUNDLED_MODEL, family: 'tiny-spatial-vlm', skip: bundledPresent ? false : 'no bundled model' },
];

for (const model of MODELS) {
  describe(`CLI on the ${model.name}`, { skip: model.skip }, () => {
    let info: ModelInfo;

    test('info: rc 0, the family, the layer count, one residual site per layer', async () => {
      const r = await cli('info', model.dir, '--threads', '1');
      assert.equal(r.code, 0, r.stderr);
      info = lastLine(r.stdout) as ModelInfo;
      assert.equal(info.family, model.family);
      const config = JSON.parse(fs.readFileSync(path.join(model.dir, 'config.json'), 'utf8')) as { text_config?: { num_hidden_layers?: number }; num_hidden_layers?: number };
      assert.equal(info.numLayers, config.text_config?.num_hidden_layers ?? config.num_hidden_layers);
      assert.equal(info.sites.length, info.numLayers + 1);
      assert.ok(Number.isInteger(info.hiddenSize) && info.hiddenSize > 0);
      if (model.family === 'tiny-spatial-vlm') assert.equal(info.imageTokens, 16, 'the bundled model still takes 16 image tokens');
    });

    test('forward --json: every layer captured at every position with one --steer, finite numbers, the steering felt', async () => {
      assert.ok(info, 'info ran first');
      const vectorFile = path.join(tmp, `${path.basename(model.dir)}-steer.json`);
      // A unit-scale vector along alternating signs: enough to move the logits of a random-weight twin.
      fs.writeFileSync(vectorFile, JSON.stringify(Array.from({ length: info.hiddenSize }, (_, i) => (i % 2 ? -1 : 1))));
      const base = ['forward', '--model', model.dir, '--image', PHOTO, '--question', QUESTION, '--capture-layers', 'all', '--capture-positions', 'all', '--max-new-tokens', '2', '--threads', '1', '--json'];
      const [plain, steered] = [await cli(...base), await cli(...base, '--steer', `1:circle:${vectorFile}`)];
      assert.equal(plain.code, 0, plain.stderr);
      assert.equal(steered.code, 0, steered.stderr);
      const out = lastLine(steered.stdout) as ForwardResult;
      const layers = Object.keys(out.hidden).map(Number).sort((a, b) => a - b);
      assert.deepEqual(layers, Array.from({ length: info.numLayers + 1 }, (_, l) => l), 'layers 0..L');
      for (const l of layers) {
        const positions = Object.keys(out.hidden[l]);
        assert.equal(positions.length, out.tokens.length, `layer ${l}: every position`);
        for (const p of positions) {
          assert.equal(out.hidden[l][p].length, info.hiddenSize);
          assertFinite(out.hidden[l][p], `hidden[${l}][${p}]`);
        }
      }
      assert.ok(out.tokens.some((t) => t.kind === 'image'), 'image tokens are marked');
      assert.ok(Object.keys(out.logprobs).length > 0, 'answer words scored');
      assertFinite(Object.values(out.logprobs), 'logprobs');
      const clean = lastLine(plain.stdout) as ForwardResult;
      assert.deepEqual(clean.tokens, out.tokens, 'the same prompt');
      assert.notDeepEqual(clean.logprobs, out.logprobs, 'the --steer vector moved the answer log-probabilities');
      // Before the steered layer the residual stream is the clean one.
      assert.deepEqual(out.hidden[0], clean.hidden[0]);
    });
  });
}
