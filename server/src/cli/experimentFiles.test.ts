import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { ErrorCodes } from '../../../protocol/errors';
import { cliCommandOf } from '../../../protocol/methods';
import { makeTempDir } from '../../test/support/sceneFixture';
import { ANALYSIS_COMMANDS, STEP_OF_COMMAND, readExperiment } from './experimentFiles';

const tmp = makeTempDir('experiment-files');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const refusedAs = (words: RegExp) => (e: unknown) => (e as { code?: number }).code === ErrorCodes.badRequest && words.test((e as Error).message);

test('each analysis command runs the registry operation of its name', () => {
  for (const command of ANALYSIS_COMMANDS) assert.equal(cliCommandOf(STEP_OF_COMMAND[command]), command);
});

test('an experiment path that is a FIFO, a device or a folder is refused before any read, not waited on', () => {
  const fifo = path.join(tmp, 'shared.experiment.json');
  execFileSync('mkfifo', [fifo]);
  const zero = path.join(tmp, 'zero.experiment.json');
  fs.symlinkSync('/dev/zero', zero);
  for (const file of [fifo, zero, tmp]) assert.throws(() => readExperiment(file), refusedAs(/not a regular experiment file/), file);
});

test('a missing or non-JSON experiment file is refused with what is wrong', () => {
  assert.throws(() => readExperiment(path.join(tmp, 'nowhere.json')), refusedAs(/does not exist/));
  const bad = path.join(tmp, 'bad.json');
  fs.writeFileSync(bad, '{"format": ');
  assert.throws(() => readExperiment(bad), refusedAs(/is not valid JSON/));
});
