import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LSPErrorCodes, ResponseError } from 'vscode-languageserver';
import { ProtobufError } from '../graph/protobufWire';
import { GraphInstrumentationError } from '../graph/residualSites';
import { MediaError } from '../media/mediaError';
import { ModelFolderError } from '../model/modelFolder';
import { ErrorCodes } from '../../../protocol/errors';
import { badQuestion } from '../../../protocol/errors';
import { SafetensorsError } from '../tensors/safetensors';
import { explainLoadFailure } from './loadRunner';
import { ModelLoadError, toResponseError } from './requestErrors';
import { progressReporter } from '../analysis/analysisContext';
import { CancelledError } from '../run/cancellation';

test('known failures keep their message and get the code of whose problem it is', () => {
  const unexpected: unknown[] = [];
  const code = (e: unknown) => toResponseError(e, (x) => unexpected.push(x)).code;
  assert.equal(code(badQuestion('no word')), ErrorCodes.badQuestion);
  assert.equal(code(new ModelFolderError('no config')), ErrorCodes.badModel);
  assert.equal(code(new ModelLoadError('bad graph')), ErrorCodes.badModel);
  assert.equal(code(new GraphInstrumentationError('not a decoder')), ErrorCodes.badModel);
  assert.equal(code(new MediaError('emptyFile', 'empty')), ErrorCodes.badMedia);
  assert.equal(code(new MediaError('invalidRequest', 'count')), ErrorCodes.badRequest);
  assert.equal(code(new SafetensorsError('truncated')), ErrorCodes.wrongBank);
  assert.equal(code(new CancelledError()), LSPErrorCodes.RequestCancelled);
  assert.equal(code(new ResponseError(-1, 'as is')), -1);
  assert.equal(toResponseError(new ModelFolderError('x has no config.json'), () => undefined).message, 'x has no config.json');
  assert.equal(unexpected.length, 0);
});

test('an unexpected failure is internal, says what happened, and is logged', () => {
  const logged: unknown[] = [];
  const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
  const e = toResponseError(bug, (x) => logged.push(x));
  assert.equal(e.code, ErrorCodes.internal);
  assert.match(e.message, /Internal error in the inference server: Cannot read properties/);
  assert.deepEqual(logged, [bug]);
});

test('load failures name the file and the fix', () => {
  const parse = explainLoadFailure(new ProtobufError('truncated field 7 at byte 19'), '/m');
  assert.match(parse.message, /^\/m\/onnx\/decoder_model_merged\.onnx cannot be read as an ONNX model \(truncated field 7 at byte 19\): the file is damaged or cut short/);
  const runtime = explainLoadFailure(new Error('ORT says no'), '/m');
  assert.ok(runtime instanceof ModelLoadError);
  assert.match(runtime.message, /The model in \/m could not be loaded: ORT says no/);
  const folder = new ModelFolderError('no config');
  assert.equal(explainLoadFailure(folder, '/m'), folder);
});

test('every cancelled path answers RequestCancelled, never the internal code', () => {
  const unexpected: unknown[] = [];
  const code = (e: unknown) => toResponseError(e, (x) => unexpected.push(x)).code;
  // what an analysis throws when its caller cancels (the bug was a private error class answered -32050)
  const tick = progressReporter({ isCancelled: () => true }, 'steering', 10);
  let fromAnalysis: unknown;
  try {
    tick(0);
  } catch (e) {
    fromAnalysis = e;
  }
  assert.ok(fromAnalysis instanceof CancelledError);
  assert.equal(code(fromAnalysis), LSPErrorCodes.RequestCancelled);
  assert.equal(code(new CancelledError()), LSPErrorCodes.RequestCancelled);
  // an AbortSignal aborted without a reason (e.g. a media load's signal.throwIfAborted())
  const controller = new AbortController();
  controller.abort();
  assert.throws(() => controller.signal.throwIfAborted(), (e) => code(e) === LSPErrorCodes.RequestCancelled);
  assert.equal(unexpected.length, 0);
});
