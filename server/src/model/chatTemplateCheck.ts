import { Environment, Interpreter, Template } from '@huggingface/jinja';

/**
 * Rendering a model's chat template with bounded work, so a template with a 1e8-iteration loop
 * is refused when the model loads instead of freezing the server at its first question.
 *
 * Why a step budget and not a worker thread with a timeout: @huggingface/jinja renders
 * synchronously, and a worker needs a script file of its own, which the single-file server bundle
 * (scripts/bundle.mjs) does not ship. Every node the interpreter evaluates passes through
 * Interpreter.prototype.evaluate, and every loop iteration through Environment.setVariable, so
 * counting calls there (for the length of one synchronous render, restored after) bounds the
 * work, whatever the loop's shape; the global `range`
 * is swapped, as the render declares it, for one that refuses huge lists before allocating them;
 * and a clock bounds the rest.
 */

export interface TemplateLimits {
  /** Expression and statement evaluations (a real template needs a few thousand). */
  maxSteps: number;
  maxMs: number;
  /** Longest list `range()` may build. */
  maxRange: number;
}

export const TEMPLATE_LIMITS: TemplateLimits = { maxSteps: 200_000, maxMs: 2_000, maxRange: 100_000 };

export class TemplateBudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateBudgetError';
  }
}

type Evaluate = (this: Interpreter, statement: unknown, environment: unknown) => unknown;
type SetVariable = (this: Environment, name: string, value: unknown) => unknown;

function boundedRange(maxRange: number) {
  return (start: number, stop?: number, step = 1): number[] => {
    if (stop === undefined) [start, stop] = [0, start];
    if (![start, stop, step].every(Number.isFinite) || step === 0) throw new Error(`range(${start}, ${stop}, ${step}) is not a valid range`);
    const length = Math.max(0, Math.ceil((stop - start) / step));
    if (length > maxRange) throw new TemplateBudgetError(`range() would build ${length} items, more than the ${maxRange} a chat template may use`);
    return Array.from({ length }, (_, i) => start + i * step);
  };
}

/** template.render(context) within `limits`; throws TemplateBudgetError past them. */
export function renderBounded(template: Template, context: Record<string, unknown>, limits: TemplateLimits = TEMPLATE_LIMITS): string {
  const interpreter = Interpreter.prototype as unknown as { evaluate: Evaluate };
  const environment = Environment.prototype as unknown as { set: SetVariable; setVariable: SetVariable };
  const { evaluate } = interpreter;
  const { set, setVariable } = environment;
  const range = boundedRange(limits.maxRange);
  const deadline = Date.now() + limits.maxMs;
  let steps = 0;
  const tick = () => {
    if (++steps > limits.maxSteps) throw new TemplateBudgetError(`rendering took more than ${limits.maxSteps} steps`);
    if (Date.now() > deadline) throw new TemplateBudgetError(`rendering took more than ${limits.maxMs} ms`);
  };
  interpreter.evaluate = function (statement, env) {
    tick();
    return evaluate.call(this, statement, env);
  };
  // Loops set their variables once per iteration, even when their body is empty.
  environment.setVariable = function (name, value) {
    tick();
    return setVariable.call(this, name, value);
  };
  environment.set = function (name, value) {
    return set.call(this, name, name === 'range' && typeof value === 'function' ? range : value);
  };
  try {
    return template.render(context);
  } finally {
    interpreter.evaluate = evaluate;
    environment.set = set;
    environment.setVariable = setVariable;
  }
}
