import sharp from 'sharp';
import { Background, Clip, Scene, validateClip, validateScene } from './scene';
import { SeededRandom } from './random';
import { shapeSvg } from './shapeSvg';
import { hexToRgb } from './colourSpace';

/** A rendered picture: RGB bytes, row-major, 3 channels. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Noise backgrounds are rasters (SVG has no seeded per-pixel noise that librsvg renders identically everywhere). */
function backgroundRaster(bg: Extract<Background, { kind: 'noise' }>, width: number, height: number): Buffer {
  const rng = new SeededRandom(bg.seed);
  const base = bg.base ? hexToRgb(bg.base) : null;
  // Texture: noise on a coarse 8-px lattice, bilinearly smoothed; plain noise: one sample per pixel.
  const step = bg.texture ? 8 : 1;
  const gw = Math.ceil(width / step) + 1;
  const gh = Math.ceil(height / step) + 1;
  const lattice = new Float32Array(gw * gh);
  for (let i = 0; i < lattice.length; i++) lattice[i] = rng.gaussian();
  const out = Buffer.alloc(width * height * 3);
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      const sx = bg.flipX ? width - 1 - px : px;
      const sy = bg.flipY ? height - 1 - py : py;
      const gx = sx / step, gy = sy / step;
      const x0 = Math.floor(gx), y0 = Math.floor(gy);
      const tx = gx - x0, ty = gy - y0;
      const at = (cx: number, cy: number) => lattice[Math.min(gh - 1, cy) * gw + Math.min(gw - 1, cx)];
      const n = (1 - ty) * ((1 - tx) * at(x0, y0) + tx * at(x0 + 1, y0)) + ty * ((1 - tx) * at(x0, y0 + 1) + tx * at(x0 + 1, y0 + 1));
      const offset = (py * width + px) * 3;
      if (base) {
        for (let c = 0; c < 3; c++) out[offset + c] = Math.max(0, Math.min(255, Math.round(base[c] + bg.amplitude * n)));
      } else {
        out.fill(Math.max(0, Math.min(255, Math.round(bg.level + bg.amplitude * n))), offset, offset + 3);
      }
    }
  }
  return out;
}

/** The SVG of a plain or gradient background; noise is a raster beneath the SVG instead. */
function backgroundSvg(bg: Background): string {
  if (bg.kind === 'plain') return `<rect width="100%" height="100%" fill="${bg.colour}"/>`;
  if (bg.kind === 'noise') return '';
  // objectBoundingBox units: the end points are fractions of the canvas, as the scene gives them
  return `<defs><linearGradient id="bg" x1="${bg.x1}" y1="${bg.y1}" x2="${bg.x2}" y2="${bg.y2}"><stop offset="0" stop-color="${bg.from}"/><stop offset="1" stop-color="${bg.to}"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#bg)"/>`;
}

function objectsSvg(scene: Scene, visible: readonly boolean[] | null): string {
  const bg = backgroundSvg(scene.background);
  const shapes = scene.objects.filter((_, i) => !visible || visible[i]).map(shapeSvg).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${scene.width}" height="${scene.height}" viewBox="0 0 ${scene.width} ${scene.height}">${bg}${shapes}</svg>`;
}

/** `raster`: the noise background already computed (a clip's frames share one). */
async function rasterise(scene: Scene, visible: readonly boolean[] | null, raster?: Buffer): Promise<RgbImage> {
  const svg = Buffer.from(objectsSvg(scene, visible));
  const { width, height } = scene;
  const pipeline =
    scene.background.kind !== 'noise'
      ? sharp(svg, { density: 72 })
      : sharp(raster ?? backgroundRaster(scene.background, width, height), { raw: { width, height, channels: 3 } }).composite([{ input: svg }]);
  const data = await pipeline.removeAlpha().raw().toBuffer();
  if (data.length !== width * height * 3) throw new Error(`Renderer returned ${data.length} bytes for a ${width}x${height} RGB scene.`);
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Renders a scene to RGB pixels. Throws a SceneError for an invalid scene. */
export async function renderScene(scene: Scene): Promise<RgbImage> {
  validateScene(scene);
  return rasterise(scene, null);
}

/** Renders every frame of a clip: frame k shows the objects whose appearance frame is <= k. */
export async function renderClip(clip: Clip): Promise<RgbImage[]> {
  validateClip(clip);
  const { background: bg, width, height } = clip.scene;
  const raster = bg.kind === 'noise' ? backgroundRaster(bg, width, height) : undefined;
  const frames: RgbImage[] = [];
  for (let k = 0; k < clip.numFrames; k++) {
    frames.push(await rasterise(clip.scene, clip.appearFrame.map((f) => f <= k), raster));
  }
  return frames;
}
