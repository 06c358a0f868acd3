import type { NormalisedBox, ProbeDomain } from '../../../protocol/requests';
import { CANVAS_SIZE } from '../scenes/vocabulary';
import { badAnalysisRequest } from './analysisContext';
import type { BankMeta } from './idBank';

/**
 * Boxes drawn on a picture (normalised, 0..1 of its width and height) onto an ID bank's grid,
 * which spans the model's input image: the part of the picture the processor keeps (all of it,
 * or a centre crop for CLIP-style processors such as LLaVA-1.5's), resized to the input.
 * And the probe's domain: scene-derived IDs read on a photo are read out of their domain.
 */

const WHOLE: NormalisedBox = { x: 0, y: 0, width: 1, height: 1 };

type Json = Record<string, unknown>;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null);
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});

/**
 * The part of a width x height picture the model sees, normalised: the centre crop of a
 * processor with `do_center_crop` (after its resize: shortest edge, or a fixed size), else the
 * whole picture (resized, tiled or native grids all span it).
 */
export function visibleRegion(preprocessor: unknown, width: number, height: number): NormalisedBox {
  const p = obj(preprocessor);
  if (p.do_center_crop !== true) return WHOLE;
  const crop = obj(p.crop_size);
  const cropW = num(crop.width) ?? num(p.crop_size);
  const cropH = num(crop.height) ?? num(p.crop_size);
  if (!cropW || !cropH) return WHOLE;
  const size = obj(p.size);
  const shortest = num(size.shortest_edge) ?? num(p.size);
  // the resized picture before the crop, in pixels (a fixed {height, width} resize, else shortest edge kept at `shortest`)
  let rw = num(size.width);
  let rh = num(size.height);
  if (!rw || !rh) {
    if (!shortest) return WHOLE;
    const scale = shortest / Math.min(width, height);
    rw = width * scale;
    rh = height * scale;
  }
  const w = Math.min(1, cropW / rw);
  const h = Math.min(1, cropH / rh);
  return { x: (1 - w) / 2, y: (1 - h) / 2, width: w, height: h };
}

/** The box centre in the bank grid's cell units (cell centres at k + 0.5), or a refusal when the model does not see it. */
export function boxCentreOnGrid(object: string, box: NormalisedBox, region: NormalisedBox, grid: number): { cx: number; cy: number } {
  const u = (box.x + box.width / 2 - region.x) / region.width;
  const v = (box.y + box.height / 2 - region.y) / region.height;
  const eps = 1e-9;
  if (u < -eps || u > 1 + eps || v < -eps || v > 1 + eps) {
    const r = (n: number) => n.toFixed(3);
    throw badAnalysisRequest(
      `The box of "${object}" is centred outside the part of the picture the model sees (x ${r(region.x)}..${r(region.x + region.width)}, y ${r(region.y)}..${r(region.y + region.height)} of the picture: its processor crops the centre): draw it on an object inside that part.`,
    );
  }
  return { cx: Math.min(1, Math.max(0, u)) * grid, cy: Math.min(1, Math.max(0, v)) * grid };
}

/** The picture size the bank's scenes were drawn at: its metadata's `canvas`; banks without one were drawn on the 96-px canvas. */
export function bankCanvas(meta: BankMeta): { width: number; height: number } {
  const c = obj((meta as BankMeta & { canvas?: unknown }).canvas);
  const width = num(c.width);
  const height = num(c.height);
  return width && height ? { width, height } : { width: CANVAS_SIZE, height: CANVAS_SIZE };
}

/** A picture of the bank's canvas size is taken for a scene-engine scene; any other is a photo (no scene is drawn at another size). */
export function probeDomain(meta: BankMeta, picture: { width: number; height: number; region: NormalisedBox } | null): ProbeDomain {
  const canvas = bankCanvas(meta);
  return {
    // every bank is derived by deriveSpatialIds / deriveTemporalIds on scene-engine scenes or clips
    bank: { derivedOn: 'scenes', grid: meta.grid, canvas },
    picture: picture && {
      width: picture.width,
      height: picture.height,
      kind: picture.width === canvas.width && picture.height === canvas.height ? 'scene' : 'photo',
      region: picture.region,
    },
  };
}
