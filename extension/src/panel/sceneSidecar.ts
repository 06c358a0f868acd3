import { promises as fs } from 'node:fs';
import { SCENE_SIDECAR_FORMAT, type SceneObjectNote, type SceneObjects } from '../../../protocol/webview';

/**
 * The sidecar the scene engine writes beside a picture or clip it drew (`<file>.scene.json`,
 * server/test/tools/sceneWorkspace.ts): the objects really in it, so the panel's first question
 * names two of them instead of two words of the vocabulary. A photo or a drawing has none. A
 * sidecar that cannot be read is only logged: the panel then opens with a blank question.
 */

/** The sidecar's path for a media file. */
export const sidecarPath = (mediaPath: string): string => `${mediaPath}.scene.json`;

export type SidecarParse = { ok: true; scene: SceneObjects } | { ok: false; problem: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
const word = (v: unknown): v is string => typeof v === 'string' && /^[\p{L}\p{N}][\p{L}\p{N} -]*$/u.test(v.trim());

/** Checks a sidecar's JSON and turns its pixel positions into fractions of the canvas. */
export function parseSceneSidecar(json: unknown): SidecarParse {
  const bad = (problem: string): SidecarParse => ({ ok: false, problem });
  if (!isObject(json) || json.format !== SCENE_SIDECAR_FORMAT) return bad(`it is not a scene sidecar (format must be "${SCENE_SIDECAR_FORMAT}")`);
  const canvas = json.canvas;
  if (!isObject(canvas) || !positive(canvas.width) || !positive(canvas.height)) return bad('canvas must be {width, height} in pixels');
  const grid = json.grid ?? 4;
  if (!Number.isInteger(grid) || (grid as number) < 1) return bad('grid must be a whole number of cells per side');
  if (!Array.isArray(json.objects) || json.objects.length === 0) return bad('objects must list at least one object');
  const objects: SceneObjectNote[] = [];
  for (const [i, o] of json.objects.entries()) {
    const where = `objects[${i}]`;
    if (!isObject(o) || !word(o.colour) || !word(o.shape)) return bad(`${where} needs a colour and a shape, e.g. {"colour": "red", "shape": "circle", ...}`);
    if (!positive(o.size)) return bad(`${where} needs a size in pixels`);
    if (typeof o.x !== 'number' || typeof o.y !== 'number' || !(o.x >= 0 && o.x <= canvas.width && o.y >= 0 && o.y <= canvas.height)) {
      return bad(`${where} needs its centre x, y inside the ${canvas.width}x${canvas.height} canvas, in pixels`);
    }
    if (o.appearFrame !== undefined && !(Number.isInteger(o.appearFrame) && (o.appearFrame as number) >= 0)) return bad(`${where}.appearFrame must be a 0-based frame number`);
    objects.push({
      name: `${o.colour.trim()} ${o.shape.trim()}`,
      x: o.x / canvas.width,
      y: o.y / canvas.height,
      size: o.size / Math.max(canvas.width, canvas.height),
      ...(o.appearFrame !== undefined ? { appearFrame: o.appearFrame as number } : {}),
    });
  }
  return { ok: true, scene: { grid: grid as number, objects } };
}

/** The media file's scene, or undefined: no sidecar (said nothing), or one that cannot be used (said in the log). */
export async function readSceneSidecar(mediaPath: string, log: { warn(message: string): void }): Promise<SceneObjects | undefined> {
  const file = sidecarPath(mediaPath);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log.warn(`Scene sidecar ${file} could not be read (${(e as Error).message}); the panel opens with a blank question.`);
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    log.warn(`Scene sidecar ${file} is not JSON (${(e as Error).message}); it is ignored: fix or delete it.`);
    return undefined;
  }
  const parsed = parseSceneSidecar(json);
  if (parsed.ok) return parsed.scene;
  log.warn(`Scene sidecar ${file} is ignored: ${parsed.problem}. Fix it, or delete it to open the panel with a blank question.`);
  return undefined;
}
