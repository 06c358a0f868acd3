#!/usr/bin/env node
// First, so onnxruntime-node is only ever loaded with its telemetry off (see onnxRuntime.ts).
import '../model/onnxRuntime';
import { COMMANDS, commandNamed } from './commands';
import { UsageError } from './usageError';

/** `spatial-id-lens <command> [options]`: the headless face of the server core. */
async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? commandNamed(name) : undefined;
  if (!command) {
    const list = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(16)} ${c.summary}`).join('\n');
    process.stderr.write(`${name ? `Unknown command "${name}".\n` : ''}Usage: spatial-id-lens <command> [options]\n\nCommands:\n${list}\n`);
    return name ? 2 : 0;
  }
  try {
    await command.run(rest);
    return 0;
  } catch (e) {
    const err = e as Error;
    process.stderr.write(`spatial-id-lens ${name}: ${err.message}\n`);
    if (process.env.SPATIAL_ID_LENS_DEBUG) process.stderr.write(`${err.stack}\n${err.cause instanceof Error ? `caused by ${err.cause.stack}\n` : ''}`);
    // node:util parseArgs refusals (unknown option, missing value) are usage errors too
    const usage = err instanceof UsageError || String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS');
    return usage ? 2 : 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
