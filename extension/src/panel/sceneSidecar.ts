import { promises as fs } from 'node:fs';
import { z } from 'zod';
import { validateParams } from '../../../protocol/requestValidation';
import { SCENE_SIDECAR_FORMAT, type SceneObjects } from '../../../protocol/webview';

/**
 * The sidecar the scene engine writes beside a picture or clip it drew (`<file>.scene.json`,
 * server/test/tools/sceneWorkspace.ts): the objects really in it, so the panel's first question
 * names two of them instead of two words of the vocabulary. A photo or a drawing has none. A
 * sidecar that cannot be read is only logged: the panel then opens with a blank question.
 */

/** The sidecar's path for a media file. */
export const sidecarPath = (mediaPath: string): string => `${mediaPath}.scene.json`;

export type SidecarParse = { ok: true; scene: SceneObjects } | { ok: false; problem: string };

const NAME = /^[\p{L}\p{N}][\p{L}\p{N} -]*$/u;
const name = (what: string) => z.string({ error: what }).trim().regex(NAME, { error: what });
const pixels = (what: string) => z.number({ error: what }).positive({ error: what });
const coordinate = z.number({ error: 'a number of pixels' });

const sidecarObject = z.object(
  {
    colour: name('a colour word, e.g. "red"'),
    shape: name('a shape word, e.g. "circle"'),
    x: coordinate,
    y: coordinate,
    size: pixels('a size in pixels'),
    appearFrame: z.number({ error: 'a 0-based frame number' }).int({ error: 'a 0-based frame number' }).min(0, { error: 'a 0-based frame number' }).optional(),
  },
  { error: '{"colour", "shape", "x", "y", "size"}' },
);

// Not strict: a later scene engine may record more about a scene than the panel reads.
const sidecarSchema = z
  .object(
    {
      format: z.literal(SCENE_SIDECAR_FORMAT, { error: `"${SCENE_SIDECAR_FORMAT}" (is this a scene sidecar?)` }),
      canvas: z.object({ width: pixels('a width in pixels'), height: pixels('a height in pixels') }, { error: '{"width", "height"} in pixels' }),
      grid: z.number({ error: 'a whole number of cells per side' }).int({ error: 'a whole number of cells per side' }).min(1, { error: 'a whole number of cells per side' }).default(4),
      objects: z.array(sidecarObject, { error: 'a list of objects' }).min(1, { error: 'a list of at least one object' }),
    },
    { error: 'a scene sidecar object' },
  )
  .superRefine((scene, ctx) => {
    scene.objects.forEach((o, i) => {
      for (const [axis, side] of [['x', scene.canvas.width], ['y', scene.canvas.height]] as const) {
        if (o[axis] < 0 || o[axis] > side) ctx.addIssue({ code: 'custom', path: ['objects', i, axis], input: o[axis], message: `inside the ${scene.canvas.width}x${scene.canvas.height} canvas, in pixels` });
      }
    });
  });

/** Checks a sidecar's JSON (the project's one schema check, naming each bad field) and turns its pixel positions into fractions of the canvas. */
export function parseSceneSidecar(json: unknown, label = 'scene sidecar'): SidecarParse {
  const checked = validateParams(sidecarSchema, json, label);
  if (!checked.ok) return { ok: false, problem: checked.message };
  const { canvas, grid, objects } = checked.value;
  return {
    ok: true,
    scene: {
      grid,
      objects: objects.map((o) => ({
        name: `${o.colour} ${o.shape}`,
        x: o.x / canvas.width,
        y: o.y / canvas.height,
        size: o.size / Math.max(canvas.width, canvas.height),
        ...(o.appearFrame !== undefined ? { appearFrame: o.appearFrame } : {}),
      })),
    },
  };
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
  const parsed = parseSceneSidecar(json, `Scene sidecar ${file}`);
  if (parsed.ok) return parsed.scene;
  log.warn(`${parsed.problem} It is ignored: fix it, or delete it to open the panel with a blank question.`);
  return undefined;
}
