import { SeededRandom } from '../../scenes/random';
import { Vector, norm, sub } from './vectorOps';

/**
 * Steering directions (METHOD.md 3): an ID difference, or a random control direction, scaled
 * to a multiple of the norm of the hidden state it will be added to. Scaling to the state's
 * own norm makes one "factor" mean the same intervention strength at every layer and token.
 */

/** `direction` rescaled to length targetNorm, as a new Float32Array. */
export function rescaleTo(direction: Vector, targetNorm: number): Float32Array {
  if (!Number.isFinite(targetNorm) || targetNorm < 0) {
    throw new RangeError(`rescaleTo: the target norm must be a finite number >= 0; got ${targetNorm}.`);
  }
  const length = norm(direction);
  if (!Number.isFinite(length)) throw new RangeError('rescaleTo: the direction contains NaN or infinite values.');
  if (length === 0) {
    throw new RangeError('rescaleTo: cannot rescale a zero vector, it has no direction (are the source and target IDs the same cell?).');
  }
  const scale = targetNorm / length;
  return Float32Array.from(direction, (value) => value * scale);
}

/** (idTarget - idSource) rescaled to factor * stateNorm: the vector added to the object token. */
export function steeringDelta(idTarget: Vector, idSource: Vector, stateNorm: number, factor: number): Float32Array {
  return rescaleTo(sub(idTarget, idSource), factor * stateNorm);
}

/**
 * A deterministic random unit direction: i.i.d. standard normal entries (so the direction is
 * uniform on the sphere), normalised. Rescale it with rescaleTo to the same norm as the ID
 * delta to make the noise control of the steering experiment.
 */
export function randomDirection(dim: number, seed: number): Float32Array {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`randomDirection: dim must be a positive integer; got ${dim}.`);
  const random = new SeededRandom(seed);
  const raw = new Float64Array(dim);
  for (let i = 0; i < dim; i++) raw[i] = random.gaussian();
  return rescaleTo(raw, 1);
}
