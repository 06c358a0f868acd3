import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
// First: transformers.js offline (its env, and its fetch recorded below, are set up there).
import './transformersJs';
import { env } from '@huggingface/transformers';
import { ModelRunner } from '../../run/modelRunner';
import { ModelFolderError } from '../modelFolder';
import { SUPPORTED_MODEL_TYPES } from './familyNames';
import { folderListing } from '../../../test/support/folderListing';
import { NetworkRecorder, recordNetwork } from '../../../test/support/networkRecorder';
import { makeTempDir } from '../../../test/support/sceneFixture';
import { PHOTO, TWINS, twinPresent } from '../../../test/support/twinFixtures';

/**
 * The gate in front of the real families: folders of a family this runtime cannot inspect are
 * refused by name with the reason and the list of families it does load; a model folder is only
 * ever read (loading and answering write nothing into it: instrumented graphs go to the cache
 * folder); and nothing opens a connection or looks up a name, with every JavaScript door out of
 * the process recorded while all the twins load and answer.
 */

const QUESTION = 'Is the red circle to the left or right of the blue square?';
const tmp = makeTempDir('family-gate');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const present = TWINS.filter(twinPresent);
const source = present[0];

/** A copy of a twin's folder whose config.json names another model_type. */
function folderOfModelType(modelType: string): string {
  const dir = path.join(tmp, modelType);
  fs.cpSync(source.dir, dir, { recursive: true });
  const file = path.join(dir, 'config.json');
  const config = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(file, JSON.stringify({ ...config, model_type: modelType }));
  return dir;
}

describe('families this runtime does not load are refused with the reason and the supported list', { skip: source ? false : 'no twin to copy' }, () => {
  const REFUSED: Record<string, RegExp> = {
    mllama: /cross-attention/,
    internvl: /InternVL/,
    llava_next: /anyres/,
  };
  for (const [modelType, reason] of Object.entries(REFUSED)) {
    test(`model_type ${modelType}`, async () => {
      const dir = folderOfModelType(modelType);
      const before = folderListing(dir);
      await assert.rejects(ModelRunner.load(dir, { cacheDir: path.join(tmp, 'cache-refused') }), (e: unknown) => {
        assert.ok(e instanceof ModelFolderError, `a ModelFolderError, got ${String(e)}`);
        assert.match(e.message, new RegExp(`Model type ${modelType} is not supported`));
        assert.match(e.message, reason);
        for (const supported of SUPPORTED_MODEL_TYPES) assert.ok(e.message.includes(supported), `the message lists ${supported}: ${e.message}`);
        return true;
      });
      assert.deepEqual(folderListing(dir), before, 'the refused folder is left as it was');
      assert.ok(!fs.existsSync(path.join(tmp, 'cache-refused')), 'no graph was instrumented for it');
    });
  }
});

describe('loading every twin and answering a question', { skip: present.length ? false : 'no twins' }, () => {
  let recorder: NetworkRecorder;
  const written = new Map<string, { before: string[]; after: string[] }>();
  const answers = new Map<string, string>();
  before(async () => {
    // The recorders go in before any twin loads: a look-up or connect made while loading is caught too.
    recorder = recordNetwork([{ target: env, key: 'fetch', door: 'transformers.js env.fetch' }]);
    try {
      for (const twin of present) {
        const listing = folderListing(twin.dir);
        const runner = await ModelRunner.load(twin.dir, { cacheDir: path.join(tmp, 'cache-twins'), threads: 1 });
        try {
          const out = await runner.forward({ media: { image: PHOTO }, question: QUESTION, capture: { layers: 'all', positions: 'all' }, maxNewTokens: 2 });
          answers.set(twin.name, out.answer);
        } finally {
          await runner.dispose();
        }
        written.set(twin.name, { before: listing, after: folderListing(twin.dir) });
      }
    } finally {
      recorder.restore();
    }
  });

  for (const twin of present) {
    test(`${twin.name}: nothing is written into the twin folder (recursive listing with sizes and mtimes)`, () => {
      const w = written.get(twin.name)!;
      assert.ok(w.before.length > 0, 'the listing saw the folder');
      assert.deepEqual(w.after, w.before);
      assert.ok(answers.has(twin.name), 'the question was answered');
    });
  }

  test('no connection is opened and no name looked up', () => {
    assert.equal(answers.size, present.length, 'every twin answered');
    assert.deepEqual(recorder.attempts, []);
  });
});

test('the network recorders see what they guard', async () => {
  const recorder = recordNetwork([{ target: env, key: 'fetch', door: 'transformers.js env.fetch' }]);
  try {
    const net = await import('node:net');
    const dns = await import('node:dns');
    assert.throws(() => new net.Socket().connect(443, 'example.invalid'));
    assert.throws(() => dns.lookup('example.invalid', () => undefined));
    assert.throws(() => (globalThis as unknown as { fetch: (u: string) => unknown }).fetch('https://example.invalid/'));
    assert.throws(() => (env.fetch as (u: string) => unknown)('https://example.invalid/'));
  } finally {
    recorder.restore();
  }
  assert.deepEqual(recorder.attempts.map((a) => a.split(' ')[0]), ['net.Socket.connect', 'dns.lookup', 'fetch', 'transformers.js']);
});
