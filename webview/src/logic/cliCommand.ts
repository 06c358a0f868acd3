import type { FlipMapParams, SteerParams } from '../../../protocol/requests';

/**
 * The command line that reproduces a panel intervention with the CLI (server/src/cli), as data
 * to paste in a terminal at the extension's (or the checkout's) root: the same params the panel
 * sent, as options. POSIX shell quoting.
 */

export const CLI_PROGRAM = 'node out/server/src/cli/main.js';

export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

type Option = [string, string | number | readonly (string | number)[] | undefined];

function line(command: string, options: Option[]): string {
  const parts = [CLI_PROGRAM, command];
  for (const [name, value] of options) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    parts.push(`--${name}`, shellQuote(Array.isArray(value) ? value.join(',') : String(value)));
  }
  return parts.join(' ');
}

const mediaOptions = (media: SteerParams['media']): Option[] => (media ? ('video' in media ? [['video', media.video]] : [['image', media.image]]) : []);

/** `steer` for one steering step (the factor the server used, when the panel sent none). */
export function steerCommand(p: SteerParams, model: string | null): string {
  return line('steer', [
    ['model', model ?? undefined],
    ['bank', p.bank],
    ...mediaOptions(p.media),
    ['question', p.question],
    ['object', p.object],
    ['target-cell', p.targetCell],
    ['layers', p.layers],
    ['factor', p.factor],
    ['objects', p.objects],
    ['answers', p.answers],
    ['seed', p.seed],
  ]).concat(p.opposite ? ' --opposite' : '');
}

/** `steer --batch` for the steering-vs-noise table. */
export function steerBatchCommand(p: SteerParams, model: string | null): string {
  return line('steer', [['model', model ?? undefined], ['bank', p.bank], ['batch', p.batch], ['relation', p.relation], ['factor', p.factor], ['seed', p.seed], ['layers', p.layers]]);
}

/** `flip-map` for a flip map. */
export function flipMapCommand(p: FlipMapParams, model: string | null): string {
  return line('flip-map', [
    ['model', model ?? undefined],
    ['bank', p.bank],
    ...mediaOptions(p.media),
    ['question', p.question],
    ['object', p.object],
    ['layers', p.layers],
    ['factor', p.factor],
    ['objects', p.objects],
    ['answers', p.answers],
    ['seed', p.seed],
  ]);
}
