import { heldOutItems, RelationItem } from '../analysis/heldOutItems';
import type { ModelRunner } from '../run/modelRunner';
import { sceneCanvasOf } from '../scenes/sceneGeometry';

/**
 * The held-out left/right scenes the batch analyses steer on, drawn at the model's own canvas
 * (its processor reads them unresized: 96 px for the bundled model, 896 px for Qwen2-VL, 1024
 * for SmolVLM), so a bench figure is the cost of the work a steering batch does on that model.
 */
export function analysisScenes(runner: ModelRunner, count: number, seed: number, grid?: number): AsyncGenerator<RelationItem> {
  return heldOutItems('leftRight', count, seed, { canvas: sceneCanvasOf(runner.model), grid });
}

export async function firstAnalysisScene(runner: ModelRunner, seed: number): Promise<RelationItem> {
  for await (const item of analysisScenes(runner, 1, seed)) return item;
  throw new Error('No held-out scene was drawn.');
}
