import { RequestType, WorkDoneProgressParams } from 'vscode-languageserver-protocol';
import { rpcMethodOf } from './methods';
import type { MediaRef } from './requests';

/**
 * Requests behind the panel's research plots (issue 18 item 12), kept apart from requests.ts so
 * that file stays one screenful per concern; requests.ts re-exports them and lists the request
 * types in REQUEST_TYPES.
 */

export interface FlipMapParams extends WorkDoneProgressParams {
  /** Model folder for this request only; default: the loaded model. */
  model?: string;
  /** ID bank file; when absent, the default IDs are derived in memory first (deterministic). */
  bank?: string;
  media: MediaRef;
  question: string;
  /** The object steered to every cell of the bank's grid. */
  object: string;
  /** The question's objects, named freely; default: the "<colour> <shape>" names in the question. */
  objects?: string[];
  /** At least two answer words whose preference is read per cell; default: the two words around "or". */
  answers?: string[];
  /** Layers steered at; default: the middle layer. */
  layers?: number[];
  /** Default: the ID bank's calibrated factor; the paper's 5 for a bank without one. */
  factor?: number;
  /** Seed of the matched-norm noise control's directions. */
  seed?: number;
}

/** What the model answers when the object is steered to one cell, and under matched-norm noise. */
export interface FlipMapCell {
  cell: number;
  /** False at the cell the object is read at already (nothing to steer: the run's own answer). */
  steered: boolean;
  answer: string;
  answerNoise: string;
  /** The preferred answer word (higher log-probability) under steering and under noise. */
  preferred: string;
  preferredNoise: string;
  /** log P(word) at the first answer position, per answer word. */
  logprobs: Record<string, number>;
  logprobsNoise: Record<string, number>;
  flipped: boolean;
  flippedNoise: boolean;
}

export interface FlipMapResult {
  object: string;
  answers: string[];
  /** The unsteered run: its answer and preferred word. */
  answerBefore: string;
  preferredBefore: string;
  logprobsBefore: Record<string, number>;
  /** The cell the object is read at (the probe's argmax at the band's first layer). */
  sourceCell: number;
  /** The bank's cells, row-major: (x, y) = (column, row), 0-based. */
  cells: { x: number; y: number }[];
  kind: 'spatial' | 'temporal';
  layers: number[];
  factor: number;
  factorSource: 'request' | 'bank' | 'default';
  factorNote?: string;
  /** One entry per cell, in the bank's order. */
  results: FlipMapCell[];
  seconds: number;
}

export const flipMapRequest = new RequestType<FlipMapParams, FlipMapResult, void>(rpcMethodOf('flipMap'));
