// First, so onnxruntime-node is only ever loaded with its telemetry off (see onnxRuntime.ts).
import '../model/onnxRuntime';
import { format } from 'node:util';
import { Connection, InitializeResult, ProposedFeatures, StreamMessageReader, StreamMessageWriter, createConnection } from 'vscode-languageserver/node';
import type { SpatialIdsInitializeResult } from '../../../protocol/initialize';
import { defaultModelDir, packageVersion } from './defaultModel';
import { registerHandlers } from './handlerTable';
import { HANDLERS } from './handlers';
import { ModelHost } from './modelHost';
import { FramingGuard } from './streamFraming';

/**
 * The inference server: JSON-RPC over the Language Server Protocol's transport (the
 * `spatialIds/*` requests of the protocol module, no language features). The extension starts
 * it over node IPC; `--stdio` serves any other client. It opens no network port. Log lines go to
 * stderr, which the extension shows in its output channel.
 *
 * A byte stream that breaks the protocol's framing (binary noise, a header without a number, a
 * body that is not JSON, a Content-Length larger than what was sent) cannot be resynchronised
 * (nothing marks where the next message starts) and would leave a live but silent server, with
 * the client waiting for an answer for ever. So the server logs what was wrong and exits with
 * code 3; the extension restarts it. After `shutdown`, requests are refused with InvalidRequest
 * (as the LSP says) and `exit` ends the process.
 */

const TRANSPORTS = ['--stdio', '--node-ipc'];

function transportProblem(argv: readonly string[]): string | undefined {
  if (argv.some((a) => a.startsWith('--socket') || a.startsWith('--pipe'))) return 'it talks over --stdio or node IPC only, never a socket or a pipe.';
  if (!argv.some((a) => TRANSPORTS.includes(a))) return 'start it with --stdio, or from the extension (node IPC).';
  return undefined;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

function logUnexpected(error: unknown): void {
  log(`Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}

/** Exit code when the input stream is out of step (see above). */
const BROKEN_STREAM_EXIT = 3;

function brokenStream(why: string): never {
  log(`The input stream broke the JSON-RPC framing: ${why}. There is no way to find the next message, so the server exits (code ${BROKEN_STREAM_EXIT}); the client should restart it.`);
  process.exit(BROKEN_STREAM_EXIT);
}

/** stdio: stdin through the framing guard, and nothing but messages on stdout. */
function stdioConnection(): Connection {
  const input = new FramingGuard(brokenStream);
  process.stdin.pipe(input);
  const reader = new StreamMessageReader(input);
  reader.onError((e) => brokenStream(`a message could not be read (${e.message.split('\n')[0]})`));
  // A stray console.log would corrupt the stream: everything human-readable goes to stderr.
  for (const level of ['log', 'info', 'debug', 'warn'] as const) console[level] = (...args: unknown[]) => log(format(...args));
  return createConnection(ProposedFeatures.all, reader, new StreamMessageWriter(process.stdout));
}

function main(): void {
  const problem = transportProblem(process.argv.slice(2));
  if (problem) {
    process.stderr.write(`spatial-id-lens server: ${problem}\n`);
    process.exitCode = 2;
    return;
  }
  const stdio = process.argv.includes('--stdio');
  const connection = stdio ? stdioConnection() : createConnection(ProposedFeatures.all);
  const host = new ModelHost({ defaultModel: () => defaultModelDir(), log });
  const version = packageVersion();
  let shutDown = false;

  const initialized: InitializeResult & SpatialIdsInitializeResult = { capabilities: {}, serverInfo: { name: 'spatial-id-lens', version }, processId: process.pid };
  connection.onInitialize(() => initialized);
  registerHandlers(HANDLERS, { connection, host, log, logUnexpected, isShutDown: () => shutDown });
  connection.onShutdown(() => {
    shutDown = true;
    return host.dispose();
  });
  // With its own reader the library does not watch stdin's end: a client that goes away ends the server.
  if (stdio) process.stdin.on('end', () => process.exit(shutDown ? 0 : 1));
  // A failure outside any request must not take the server (and the loaded model) down.
  process.on('unhandledRejection', logUnexpected);
  process.on('uncaughtException', logUnexpected);

  connection.listen();
  log(`Spatial ID Lens inference server ${version} (pid ${process.pid}); default model ${defaultModelDir()}.`);
}

main();
