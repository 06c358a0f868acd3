import type { WorkDoneProgressParams } from 'vscode-languageserver-protocol';

/**
 * What the server says of the loaded model (loadModel, modelInfo): its shape, residual sites,
 * media layout, what it can be asked and what it was trained to see. Re-exported by
 * requests.ts, the protocol's one entry.
 */

export interface ResidualSiteInfo {
  /** Residual layer 0..L, the index requests use. */
  layer: number;
  /** TransformerLens name: `blocks.{layer}.hook_resid_pre`, or `blocks.{L-1}.hook_resid_post` for layer L (server/src/graph/README.md). */
  name: string;
  kind: string;
  tensor: string;
}

export interface ModelInfo {
  dir: string;
  modelType: string;
  variant: string;
  /** Decoder layers L; residual layers are 0..L. */
  numLayers: number;
  hiddenSize: number;
  vocabSize: number;
  decoderLayout: 'plain' | 'fused' | 'if-merged';
  sites: ResidualSiteInfo[];
  /** The model's family (config.json model_type read by its family file; the bundled model is "tiny-spatial-vlm"). */
  family: string;
  /** The dtypes whose graphs the folder holds ("fp32", "fp16", "quantized", "q4", "q4f16"). */
  dtypes: string[];
  /** Tokens per image when the family fixes them; null when its processor counts them per image (native grids, tiles). */
  imageTokens: number | null;
  videoTokens: number | null;
  numFrames: number | null;
  /** The encoder's input size when fixed; null when it follows the picture. */
  imageSize: { width: number; height: number } | null;
  /** sha256 of the decoder file: ID banks are tied to it. */
  decoderHash: string;
  /**
   * What the model can be asked: its question templates, and the object names it reads when its
   * vocabulary is closed (the bundled model); the panel and the palette offer exactly these.
   */
  vocabulary: ModelVocabulary;
  /** What the model was trained to see, in plain words (absent from servers before it was reported). */
  scope?: ModelScope;
}

/**
 * The loaded model's scope as the panel states it: from the folder's config.json
 * (`spatial_id_lens.scope`) when it declares one, else what its family implies.
 */
export interface ModelScope {
  /** One or two plain sentences: what it was trained on, what it answers, e.g. "Trained on 96-px synthetic scenes ...". */
  summary: string;
  /** What it will answer wrongly (out-of-scope pictures and questions); may be empty. */
  limits: string[];
  /** Where the statement comes from: the folder's config.json, or the family alone. */
  source: 'config' | 'family';
}

/** The relation a binary question asks about; held-out batches (steer, sweepPatches) ask the same. */
export type QuestionRelation = 'leftRight' | 'aboveBelow' | 'beforeAfter';

/**
 * A question the model can be asked, with what it asks as data, never parsed from its English:
 * `text` has `{a}` (and `{b}`) for the object names it is filled with, e.g.
 * {text: "Is the {a} to the left or right of the {b}?", objects: 2, relation: "leftRight", answers: ["left", "right"]}.
 */
export interface QuestionTemplate {
  text: string;
  /** How many objects it names: 1 (`{a}`) or 2 (`{a}` and `{b}`), in that order. */
  objects: 1 | 2;
  /** The relation of a binary question; null for an open one ("Where is the {a}?"). */
  relation: QuestionRelation | null;
  /** The answer words whose log-probabilities are read, in a fixed order; empty: the generated answer is the answer. */
  answers: string[];
  /**
   * With a closed vocabulary: the names this template's objects are chosen from, when the
   * vocabulary's object words would give its answer away ("What colour is the {a}?" names the
   * shape only, as the model was trained); absent: ModelVocabulary.objectWords.
   */
  objectWords?: string[];
}

/** What a model can be asked: question templates per media kind, and how objects are named. */
export interface ModelVocabulary {
  /** Video templates only for a model that reads clips. */
  questionTemplates: { image: QuestionTemplate[]; video: QuestionTemplate[] };
  /** A closed vocabulary: every object name the model reads ("red circle"); null: objects are named freely ("traffic light"). */
  objectWords: string[] | null;
}

/** The dtypes a model folder may hold, by their onnx/ file suffix ('' for fp32, `_fp16`, ...). */
export const MODEL_DTYPES = ['fp32', 'fp16', 'quantized', 'q4', 'q4f16'] as const;
export type ModelDtype = (typeof MODEL_DTYPES)[number];

export interface LoadModelParams extends WorkDoneProgressParams {
  /** Model folder; default: the bundled model. */
  dir?: string;
  /** Which of the folder's dtypes to load (default fp32). */
  dtype?: ModelDtype;
  threads?: number;
  /** onnxruntime execution providers in order of preference (e.g. ["cuda", "cpu"]); default: cpu. */
  executionProviders?: string[];
}
