import { LSPErrorCodes, ResponseError } from 'vscode-languageserver';
import { GraphInstrumentationError } from '../graph/residualSites';
import { ProtobufError } from '../graph/protobufWire';
import { MediaError } from '../media/mediaError';
import { ModelFolderError } from '../model/modelFolder';
import { CodedError, ErrorCodes, type ErrorCode, isCancellation } from '../../../protocol/errors';
import { SafetensorsError } from '../tensors/safetensors';

/**
 * What a failed request answers: a JSON-RPC error whose code (ErrorCodes of the protocol)
 * says whose problem it is and whose message names it and the fix. The CLI prints the same
 * messages, so both faces of the core word a failure the same way.
 */

/** A model folder whose files open but cannot be loaded (damaged ONNX, not a decoder, ...). */
export class ModelLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

/** The request's own parameters are malformed (a missing field, a wrong type). */
export const badParams = (message: string) => new CodedError(ErrorCodes.badRequest, message);

/** The protocol code of a known failure, or undefined for an unexpected one (a bug, a runtime failure). */
export function errorCodeOf(error: unknown): ErrorCode | undefined {
  if (error instanceof CodedError) return error.code;
  if (error instanceof ModelFolderError || error instanceof ModelLoadError || error instanceof GraphInstrumentationError || error instanceof ProtobufError) return ErrorCodes.badModel;
  if (error instanceof MediaError) return error.code === 'invalidRequest' ? ErrorCodes.badRequest : ErrorCodes.badMedia;
  // The server reads safetensors only as ID banks.
  if (error instanceof SafetensorsError) return ErrorCodes.wrongBank;
  return undefined;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The JSON-RPC error for a failure. Unexpected failures get the internal code and their message,
 * and are passed to `logUnexpected` (with the stack) so the server log shows where they arose.
 */
export function toResponseError(error: unknown, logUnexpected: (error: unknown) => void): ResponseError<void> {
  if (error instanceof ResponseError) return error;
  if (isCancellation(error)) return new ResponseError(LSPErrorCodes.RequestCancelled, 'The request was cancelled.');
  const code = errorCodeOf(error);
  if (code !== undefined) return new ResponseError(code, messageOf(error));
  logUnexpected(error);
  return new ResponseError(ErrorCodes.internal, `Internal error in the inference server: ${messageOf(error)} (details in the server log).`);
}
