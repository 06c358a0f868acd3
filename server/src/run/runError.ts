import { ErrorCodes } from '../protocol/spatialIdsProtocol';

export type RunErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** A request the run API cannot serve: the message names the problem and the fix; the code says whose it is. */
export class RunError extends Error {
  constructor(
    readonly code: RunErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RunError';
  }
}

export const badQuestion = (message: string) => new RunError(ErrorCodes.badQuestion, message);
export const badRequest = (message: string) => new RunError(ErrorCodes.badRequest, message);
