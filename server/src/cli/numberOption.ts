import { MODEL_DTYPES, ModelDtype } from '../../../protocol/requests';
import { UsageError } from './usageError';

/** A whole-number command-line option in [min, max], or its fallback when absent. */
export function wholeNumber(name: string, value: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} takes a whole number from ${min} to ${max} (got "${value}").`);
  return n;
}

/** A number written as a decimal (`5`, `-0.5`, `1e3`): hex, blanks and words are not numbers here. */
const DECIMAL = /^[-+]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i;

/**
 * A numeric option as a number (undefined when absent), for options that become request params:
 * its range is checked by the request's schema, with the request's words.
 */
export function numberValue(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!DECIMAL.test(value.trim())) throw new UsageError(`--${name} takes a number (got "${value}").`);
  return Number(value);
}

/** `10,14.5,18` as numbers (undefined when absent). */
export function numberList(name: string, value: string | undefined): number[] | undefined {
  return value?.split(',').map((part) => numberValue(name, part) as number);
}

/** `--dtype`: one of the dtypes a model folder may hold (undefined when absent: fp32). */
export function dtypeOption(value: string | undefined): ModelDtype | undefined {
  if (value === undefined) return undefined;
  if (!(MODEL_DTYPES as readonly string[]).includes(value)) throw new UsageError(`--dtype takes one of ${MODEL_DTYPES.join(', ')} (got "${value}"); \`info\` lists the dtypes a folder holds.`);
  return value as ModelDtype;
}
