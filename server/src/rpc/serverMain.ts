// First, so onnxruntime-node is only ever loaded with its telemetry off (see onnxRuntime.ts).
import '../model/onnxRuntime';
import { ProposedFeatures, createConnection } from 'vscode-languageserver/node';
import { defaultModelDir, packageVersion } from './defaultModel';
import { registerHandlers } from './handlerTable';
import { ANALYSIS_HANDLERS } from './analysisHandlers';
import { HANDLERS } from './handlers';
import { ModelHost } from './modelHost';

/**
 * The inference server: JSON-RPC over the Language Server Protocol's transport (the
 * `spatialIds/*` requests of the protocol module, no language features). The extension starts
 * it over node IPC; `--stdio` serves any other client. It opens no network port. Log lines go to
 * stderr, which the extension shows in its output channel.
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

function main(): void {
  const problem = transportProblem(process.argv.slice(2));
  if (problem) {
    process.stderr.write(`spatial-id-lens server: ${problem}\n`);
    process.exitCode = 2;
    return;
  }
  const connection = createConnection(ProposedFeatures.all);
  const host = new ModelHost({ defaultModel: () => defaultModelDir(), log });
  const version = packageVersion();

  connection.onInitialize(() => ({ capabilities: {}, serverInfo: { name: 'spatial-id-lens', version } }));
  registerHandlers([...HANDLERS, ...ANALYSIS_HANDLERS], { connection, host, log, logUnexpected });
  connection.onShutdown(() => host.dispose());
  // A failure outside any request must not take the server (and the loaded model) down.
  process.on('unhandledRejection', logUnexpected);
  process.on('uncaughtException', logUnexpected);

  connection.listen();
  log(`Spatial ID Lens inference server ${version} (pid ${process.pid}); default model ${defaultModelDir()}.`);
}

main();
