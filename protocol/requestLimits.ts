/**
 * The bounds every request parameter is held to before any work starts (requestSchemas.ts
 * enforces them). Generous for real research on the scene engine, small enough that one request
 * cannot hold the model queue for hours or run the server out of memory. Bounds that depend on
 * the model (layer <= numLayers, vector length = hidden size, prompt tokens <= positions) are
 * checked once the model is known (modelBounds.ts, the prompt processor).
 */
export const LIMITS = {
  /** Characters in a question: the bundled model reads 256 positions, real VLMs a few thousand. */
  questionChars: 2000,
  /** A file path (PATH_MAX on Linux). */
  pathChars: 4096,
  /** One word or object name ("red circle"). */
  wordChars: 64,
  /** Held-out scenes of a batch: each costs several forward passes per layer band. */
  batch: { min: 1, max: 2000 },
  /** Cells per side of the derivation grid (the 96-px canvas: 8 gives 12-px cells). */
  grid: { min: 2, max: 8 },
  /** Object sizes in pixels of the 96-px scene canvas; below 6 px a shape is a blur of a few pixels. */
  sizes: { min: 6, max: 48, count: 6 },
  /** Objects to average IDs over: ordered pairs grow as n², times grid² cells, times sizes. */
  objects: { min: 2, max: 8 },
  /** Frames per clip for temporal IDs (the model's video frame budget is checked at load). */
  frames: { min: 2, max: 64 },
  /** Steering factor: times the object token's residual norm (the paper uses 5). */
  factor: { min: 0, max: 50 },
  /** Residual layer indices before the model is known (real VLMs have under 200 layers). */
  layer: { max: 1024 },
  /** Layer bands of a batch sweep, and layers in one band. */
  bands: { count: 64, layers: 64 },
  seed: { min: 0, max: 2 ** 31 - 1 },
  /** A cell of the ID bank (the largest grid, 8x8, has 64; temporal banks one per frame). */
  targetCell: { min: 0, max: 4095 },
  maxNewTokens: { min: 0, max: 256 },
  threads: { min: 1, max: 256 },
  /** A steering vector's length (hidden sizes of real VLMs are under 16k). */
  vectorLength: { min: 1, max: 65536 },
  /** The largest finite float32: the model adds vectors in float32, where a larger double is Infinity. */
  float32Max: 3.4028234663852886e38,
  /** Interventions in one request, token positions in one selector, answer words, execution providers. */
  interventions: 64,
  positions: 65536,
  positionIndex: 1_000_000,
  words: 64,
  providers: 8,
  /** Pixel coordinates of a ground-truth box. */
  boxCoordinate: 100_000,
} as const;
