import { drawScene, sceneQuestions } from '../dataset/trainingMixture';
import { SeededRandom } from '../scenes/random';
import { RgbImage, renderScene } from '../scenes/renderScene';

/**
 * The one image question every benchmark run asks: a left/right question about a scene of the
 * training distribution, so the prompt has the length the product sees (a two-word answer pair,
 * two object names) and the figures are comparable from machine to machine for one seed.
 */

export interface BenchInput {
  seed: number;
  question: string;
  image: RgbImage;
}

export async function benchInput(seed: number): Promise<BenchInput> {
  const rng = new SeededRandom(seed);
  for (let tries = 0; tries < 1000; tries++) {
    const scene = drawScene(rng);
    const question = sceneQuestions(rng, scene).find((q) => q.family === 'leftRight');
    if (question) return { seed, question: question.question, image: await renderScene(scene) };
  }
  throw new Error(`No left/right question in 1000 scenes drawn from seed ${seed}: try another --seed.`);
}

/** A fixed steering vector (values do not change the timing; a seeded draw keeps runs repeatable). */
export function steeringVector(hiddenSize: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed ^ 0x5eed);
  return Float32Array.from({ length: hiddenSize }, () => rng.gaussian() * 0.1);
}
