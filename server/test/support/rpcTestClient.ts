import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { MessageConnection, StreamMessageReader, StreamMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';

/**
 * For the server tests: the real server process (`serverMain.js --stdio`) and a plain
 * vscode-jsonrpc client, as any client other than VS Code would talk to it.
 */

export const SERVER_MAIN = path.join(__dirname, '../../src/rpc/serverMain.js');

export interface TestServer {
  connection: MessageConnection;
  child: ChildProcess;
  /** Everything the server wrote to stderr so far (its log). */
  stderr(): string;
  /** Shuts the server down (shutdown + exit), killing it if it does not stop. */
  close(): Promise<void>;
}

export async function startServer(env: NodeJS.ProcessEnv = {}): Promise<TestServer> {
  const child = spawn(process.execPath, [SERVER_MAIN, '--stdio'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  connection.listen();
  await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  await connection.sendNotification('initialized', {});
  const close = async () => {
    if (child.exitCode === null) {
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      try {
        await connection.sendRequest('shutdown');
        await connection.sendNotification('exit');
      } catch {
        child.kill('SIGKILL');
      }
      await exited;
      clearTimeout(killer);
    }
    connection.dispose();
  };
  return { connection, child, stderr: () => log, close };
}

/** The JSON-RPC error a request fails with (the test fails if it succeeds). */
export async function requestError(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const { code, message } = e as { code: number; message: string };
    return { code, message };
  }
  throw new Error('The request succeeded but an error was expected.');
}
