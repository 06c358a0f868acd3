import { RequestType, RequestType0, WorkDoneProgressParams } from 'vscode-languageserver-protocol';
import { type MethodName, rpcMethodOf } from './methods';
import type { ChangeCriterion, WholeAnswer } from './wholeAnswers';

export type * from './wholeAnswers';
import { flipMapRequest } from './plotRequests';

export * from './plotRequests';
export * from './modelInfo';
import type { LoadModelParams, ModelInfo } from './modelInfo';

/**
 * Every request between the extension (client), the inference server and, through the
 * extension, the webview: declared once here, imported by all three (the rust-analyzer
 * `lsp_ext.ts` pattern). Values are plain JSON: vectors are number arrays, media are file paths
 * or scene-engine specs, interventions are data (nnsight/pyvene style) and can be saved in
 * experiment files as they are.
 */

// ---- shared values --------------------------------------------------------------------------
// Request parameters extend WorkDoneProgressParams: a client that sends a `workDoneToken` gets
// `$/progress` begin/report/end notifications for the request under that token.

/** A picture or a clip to run: a file on disk (image or video), or a scene-engine spec. */
export type MediaRef = { image: string } | { video: string };

/** Which token positions: all, the image/video tokens, the text tokens, explicit indices, or named words. */
export type PositionSelector = 'all' | 'media' | 'text' | number[] | { words: string[] };

/**
 * What an intervention writes to at its layer: `resid`, the residual stream at site `layer`
 * (server/src/graph/README.md names the sites), the default. `attn_out` and `mlp_out`, the
 * attention and MLP outputs of a block (TransformerLens' `hook_attn_out` / `hook_mlp_out`), are
 * reserved: the server refuses them (badRequest, "not yet supported") until it can write them.
 */
export type InterventionComponent = 'resid' | 'attn_out' | 'mlp_out';

/** Steering: add `vector` to residual layer `layer` (0 = the embeddings, l = the output of decoder block l - 1) at `positions`. */
export interface AddIntervention {
  kind: 'add';
  layer: number;
  /** Default 'resid'. */
  component?: InterventionComponent;
  positions: PositionSelector;
  vector: number[];
}

/** Activation patching: set residual layer `layer` at `positions` to its value in the run of `from` (computed as source minus current). */
export interface PatchIntervention {
  kind: 'patch';
  layer: number;
  /** Default 'resid'. */
  component?: InterventionComponent;
  positions: PositionSelector;
  /** The source input; its question defaults to this run's question (the prompts must have the same length). */
  from: MediaRef & { question?: string };
}

export type Intervention = AddIntervention | PatchIntervention;

export interface CaptureSpec {
  /** Residual layers (0 = the embeddings fed to the decoder, l = the output of decoder block l - 1; server/src/graph/README.md), or 'all'. */
  layers: 'all' | number[];
  positions: PositionSelector;
}

export interface ForwardParams extends WorkDoneProgressParams {
  /** Model folder for this request only: the loaded model (loadModel's) stays, whether the request succeeds or fails; default: the loaded model. */
  model?: string;
  media: MediaRef;
  question: string;
  /** Words whose log-probability at the first answer position is reported; default: the two words around "or", else the greedy answer. */
  answers?: string[];
  capture?: CaptureSpec;
  interventions?: Intervention[];
  maxNewTokens?: number;
}

/**
 * Where a media token sits in its picture or clip: the model's own token grid (row-major, 0-based),
 * the tile of a tiling processor (SmolVLM: tiles in reading order, then the global image as the
 * last), the frame of a clip.
 */
export interface MediaPlace {
  /** Which media item of the prompt (0: its one picture or clip). */
  index: number;
  frame?: number;
  tile?: number;
  /** The tile grid the picture was cut into, with `tile`: rows x cols of tiles (the global image has none). */
  tileRow?: number;
  tileCol?: number;
  row: number;
  col: number;
  /** The grid this token belongs to, rows x cols of tokens (per tile or frame). */
  gridRows: number;
  gridCols: number;
}

export interface TokenInfo {
  position: number;
  id: number;
  text: string;
  /** 'image' or 'video' for media placeholder tokens. */
  kind: 'text' | 'image' | 'video';
  /** For media tokens: where in the picture or clip the token sits. */
  media?: MediaPlace;
  /** The tokenizer's unknown token: a word of the question the model's vocabulary lacks ("big" on the bundled model). */
  unknown?: boolean;
  /** For an unknown token: the question's word it stands for, when that can be told. */
  word?: string;
}

/** Which frame of a video the model was fed: its index in the clip and its time (index / frame rate; null when the container gives no rate). */
export interface FrameTime {
  index: number;
  seconds: number | null;
}

/** A frame the model was fed, with a PNG data URL of its pixels (at most 384 px a side). */
export interface FramePreview extends FrameTime {
  image: string;
}

export interface VideoFramesParams extends WorkDoneProgressParams {
  /** Model folder for this request only; default: the loaded model (whose frame count and size sample the clip). */
  model?: string;
  video: string;
}

export interface VideoFramesResult {
  /** The model's frames of the clip, in the order it reads them (a short clip repeats frames). */
  frames: FramePreview[];
}

export interface ForwardResult {
  answer: string;
  /** log P(word) at the first answer position, for each requested answer word. */
  logprobs: Record<string, number>;
  tokens: TokenInfo[];
  /** hidden[layer][position] = vector; layer 0 = the embeddings fed to the decoder. */
  hidden: Record<string, Record<string, number[]>>;
  /** For a video: which of its frames the model was fed, in order. */
  frames?: FrameTime[];
}

// ---- analyses (METHOD.md) ---------------------------------------------------------------------

export interface DeriveIdsParams extends WorkDoneProgressParams {
  /** Model folder for this request only: the loaded model (loadModel's) stays, whether the request succeeds or fails; default: the loaded model. */
  model?: string;
  /** Where to write the ID bank (.safetensors); refused if it exists unless overwrite. */
  out?: string;
  overwrite?: boolean;
  /** Object words as "colour shape", e.g. ["red circle", "blue square"]; default: a fixed set of the scene vocabulary. */
  objects?: string[];
  grid?: number;
  sizes?: number[];
  /** Temporal IDs: frames per clip (default: the model's). */
  frames?: number;
  seed?: number;
  /** A randomly initialised model of the same architecture whose lattice scores are shown beside (null: none). */
  baseline?: string | null;
  /** Held-out scenes (clips) the steering factor is calibrated on after the derivation (default 20; 0: no calibration, steering then defaults to the paper's factor 5). */
  calibrationItems?: number;
}

export interface LayerIdView {
  layer: number;
  /** Leave-one-out lattice score (each ID placed by axes computed without it). */
  latticeScore: number;
  /** The same fit with axes from all IDs: near 1 even for random vectors in high dimension, shown for comparison only. */
  ownAxesScore: number;
  /** PCA of the cell IDs (sizes averaged): explained variance ratio and projections per cell. */
  pca: { explainedVarianceRatio: number[]; projections: number[][] };
  /** Projection on the orthonormalised (x_axis, y_axis) plane, per cell. */
  plane: number[][];
  /** Cosine similarity between cell IDs [cells][cells]. */
  cosine: number[][];
}

export interface IdBankSummary {
  bank: string | null;
  kind: 'spatial' | 'temporal';
  model: string;
  decoderHash: string;
  /** Cells in row-major order: (x, y) = (column, row); for temporal banks y = 0 and x = frame. */
  cells: { x: number; y: number }[];
  layers: LayerIdView[];
  /** The decoder layer (1..L-1, neither the embeddings nor the last layer) with the highest lattice score. */
  bestLayer: number;
  /** Lattice score of a randomly initialised model of the same architecture, per layer (when computed). */
  baselineLatticeScores?: number[];
  /** The random-init model's own views per layer (its cells' PCA and axis-plane positions), drawn beside this model's lattice. */
  baselineLayers?: LayerIdView[];
  baselineModel?: string;
  /** The steering factor calibrated on held-out items and stored in the bank (absent when calibrationItems was 0). */
  calibration?: SteeringCalibration;
  seconds: number;
}

/** Steering and noise-control flip rates at one factor and layer band. */
export interface CalibrationPoint {
  factor: number;
  layers: number[];
  steering: RateWithInterval;
  noise: RateWithInterval;
}

/**
 * How a bank's default steering factor was measured: each factor swept over held-out items at its
 * best single-layer band (largest steering minus noise flip rate); the chosen factor is the smallest
 * whose steering-minus-noise rate is within `tolerance` of the best, among those reaching `minSeparation`.
 */
export interface SteeringCalibration {
  /** null: steering never beat its noise control by minSeparation; steering then uses the paper's factor 5. */
  factor: number | null;
  /** The rates at the chosen factor (null with factor null). */
  chosen: CalibrationPoint | null;
  /** One point per factor tried, at that factor's best band. */
  sweep: CalibrationPoint[];
  /** The single layers tried as bands; `pruned`: those that flipped under minSeparation at the largest factor, not tried at smaller ones. */
  candidateLayers: number[];
  pruned: number[];
  relation: 'leftRight' | 'beforeAfter';
  /** Held-out items drawn, and their seed (other scenes than steer's default seed draws). */
  items: number;
  seed: number;
  tolerance: number;
  minSeparation: number;
  /** In words: what was chosen and why, or why nothing was. */
  note: string;
}

export interface ProbeParams extends WorkDoneProgressParams {
  /** Model folder for this request only: the loaded model (loadModel's) stays, whether the request succeeds or fails; default: the loaded model. */
  model?: string;
  /** ID bank file; when absent, the default IDs are derived in memory first (deterministic). */
  bank?: string;
  media: MediaRef;
  question: string;
  /** Object words to read, e.g. ["red circle"]; default: every "colour shape" in the question. */
  objects?: string[];
  /** Ground-truth box per object, normalised to the picture (0..1 of its width and height), for the deviation. */
  boxes?: Record<string, NormalisedBox>;
  interventions?: Intervention[];
}

/** A box on a picture in normalised coordinates: x, width in fractions of its width; y, height of its height; (0, 0) top left. */
export interface NormalisedBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ProbeObject {
  object: string;
  position: number;
  /** similarity[layer][cell] (cosine with each universal ID). */
  similarity: number[][];
  argmax: number[];
  /** Per layer, with a box: |read ID - ground-truth ID| (the box centre's ID, bilinear in the four nearest cells). */
  deviation?: number[];
  /** The box, as given, when one was. */
  box?: NormalisedBox;
}

/** What the bank's IDs were derived on and what they were read on: scene-derived IDs read on a photo are out of their domain. */
export interface ProbeDomain {
  /** Every bank here is derived on the scene engine's synthetic scenes, drawn at `canvas` pixels (its metadata). */
  bank: { derivedOn: 'scenes'; grid: number; canvas: { width: number; height: number } };
  /**
   * The probed picture (null for a clip): its size in pixels, 'scene' when it has the bank's
   * canvas size (scenes are drawn at no other), else 'photo'; `region`: the part of it the model
   * sees (normalised; a centre crop for CLIP-style processors such as LLaVA-1.5's).
   */
  picture: { width: number; height: number; kind: 'scene' | 'photo'; region: NormalisedBox } | null;
}

export interface ProbeResult {
  answer: string;
  logprobs: Record<string, number>;
  cells: { x: number; y: number }[];
  objects: ProbeObject[];
  domain?: ProbeDomain;
}

export interface SteerParams extends WorkDoneProgressParams {
  /** Model folder for this request only: the loaded model (loadModel's) stays, whether the request succeeds or fails; default: the loaded model. */
  model?: string;
  /** ID bank file; when absent, the default IDs are derived in memory first (deterministic). */
  bank?: string;
  media?: MediaRef;
  question?: string;
  /** The object to move and the target cell (index into the bank's cells). */
  object?: string;
  targetCell?: number;
  /** Also move the other object the opposite way. */
  opposite?: boolean;
  /** The question's objects, named freely ("dog", "traffic light"): the other one is moved by `opposite`; default: the "<colour> <shape>" names in the question. */
  objects?: string[];
  /** The answer words whose preference steering flips; default: the two words around "or" in the question. */
  answers?: string[];
  /** Layers to steer at (single input), or the one band to sweep (batch); default: the middle layer / every band. */
  layers?: number[];
  /** Default: the ID bank's calibrated factor; the paper's 5 for a bank without one. */
  factor?: number;
  seed?: number;
  /** Batch mode: this many held-out scenes from the scene engine instead of one input. */
  batch?: number;
  /** Batch mode: which relation the held-out items ask about (beforeAfter: clips and temporal IDs). */
  relation?: 'leftRight' | 'aboveBelow' | 'beforeAfter';
  /** Batch mode: layer bands to sweep (default: every single layer and every two neighbouring layers). */
  bands?: number[][];
}

export interface SteerOutcome {
  answerBefore: string;
  answerAfter: string;
  answerNoise: string;
  flipped: boolean;
  flippedNoise: boolean;
  logprobsBefore: Record<string, number>;
  logprobsAfter: Record<string, number>;
  logprobsNoise: Record<string, number>;
  /** The steering additions applied (single-input mode), so a client can re-run a probe under them. */
  interventions?: AddIntervention[];
  /** The distinct whole answers of the three runs, each scored under all three (absent in outcomes saved before they were reported). */
  wholeAnswers?: WholeAnswer[];
  /** What `flipped` compares: the preferred answer word of a two-way question, else the whole generated answer. */
  changedBy?: ChangeCriterion;
}

export interface RateWithInterval {
  rate: number;
  low: number;
  high: number;
  n: number;
}

export interface SteerResult {
  /** The factor used (times the object token's residual norm): always set by the server. */
  factor?: number;
  /** Where it came from: the request, the ID bank's calibration, or the paper's default 5 (then `factorNote` says why). */
  factorSource?: 'request' | 'bank' | 'default';
  factorNote?: string;
  single?: SteerOutcome;
  /** Batch mode: flip rates per layer band. */
  perLayer?: { layers: number[]; steering: RateWithInterval; noise: RateWithInterval; meanDeltaLogprobSteering: number; meanDeltaLogprobNoise: number }[];
  /** Batch mode: the band whose steering flip rate exceeds its noise flip rate the most. */
  bestBand?: number[];
}

export interface SweepPatchesParams extends WorkDoneProgressParams {
  /** Model folder for this request only: the loaded model (loadModel's) stays, whether the request succeeds or fails; default: the loaded model. */
  model?: string;
  media?: MediaRef;
  question?: string;
  /** The question's two objects, named freely; default: the "<colour> <shape>" names in the question. */
  objects?: string[];
  /** The two answer words the sweep measures the belief between; default: the two words around "or". */
  answers?: string[];
  /** Batch mode: this many held-out scenes (with a third, unnamed object for the attribute-swap control). The mirror: horizontal flip for left/right, vertical for above/below, time reversal for clips. */
  batch?: number;
  /** Batch mode: which relation the held-out items ask about. */
  relation?: 'leftRight' | 'aboveBelow' | 'beforeAfter';
  seed?: number;
}

export interface CurveWithInterval {
  mean: number[];
  low: number[];
  high: number[];
}

export interface SweepPatchesResult {
  layers: number[];
  /** Normalised belief shift per layer when patching each token group from the mirrored twin. */
  groups: { image: CurveWithInterval; text: CurveWithInterval; objects: CurveWithInterval };
  /** The attribute-swap control (patching from a recoloured twin), when the inputs allow one. */
  control: { image: CurveWithInterval; text: CurveWithInterval; objects: CurveWithInterval } | null;
  n: number;
  /** The inputs left out of n, and why (1-based among the inputs); absent in results saved before it was reported. */
  skipped?: { item: number; question: string; reason: string }[];
}

// ---- requests -----------------------------------------------------------------------------------

export const loadModelRequest = new RequestType<LoadModelParams, ModelInfo, void>(rpcMethodOf('loadModel'));
export const modelInfoRequest = new RequestType0<ModelInfo | null, void>(rpcMethodOf('modelInfo'));
export const forwardRequest = new RequestType<ForwardParams, ForwardResult, void>(rpcMethodOf('forward'));
export const deriveIdsRequest = new RequestType<DeriveIdsParams, IdBankSummary, void>(rpcMethodOf('deriveIds'));
export const deriveTidsRequest = new RequestType<DeriveIdsParams, IdBankSummary, void>(rpcMethodOf('deriveTids'));
export const probeRequest = new RequestType<ProbeParams, ProbeResult, void>(rpcMethodOf('probe'));
export const steerRequest = new RequestType<SteerParams, SteerResult, void>(rpcMethodOf('steer'));
export const sweepPatchesRequest = new RequestType<SweepPatchesParams, SweepPatchesResult, void>(rpcMethodOf('sweepPatches'));
export const videoFramesRequest = new RequestType<VideoFramesParams, VideoFramesResult, void>(rpcMethodOf('videoFrames'));

/** Each operation's RequestType by its registry name (protocol/methods.ts); an operation without one is a compile error. */
export const REQUEST_TYPES = {
  loadModel: loadModelRequest,
  modelInfo: modelInfoRequest,
  forward: forwardRequest,
  deriveIds: deriveIdsRequest,
  deriveTids: deriveTidsRequest,
  probe: probeRequest,
  steer: steerRequest,
  sweepPatches: sweepPatchesRequest,
  videoFrames: videoFramesRequest,
  flipMap: flipMapRequest,
} as const satisfies Record<MethodName, { method: string }>;
