import { type CancellationToken, type Connection, ErrorCodes as RpcErrorCodes, ResponseError, type WorkDoneProgressReporter } from 'vscode-languageserver/node';
import { DEPRECATED_RPC_METHODS, METHODS, METHOD_NAMES, type MethodName, rpcMethodOf } from '../../../protocol/methods';
import type { ModelRunner } from '../run/modelRunner';
import type { ModelHost } from './modelHost';
import { CancelledError } from '../run/cancellation';
import { isCancellation } from '../../../protocol/errors';
import { toResponseError } from './requestErrors';

/**
 * How a request is served: a table of handlers, one per operation of the method registry
 * (protocol/methods.ts), each `(params, ctx)`, wrapped here with what every request needs: its
 * turn on the model (one run at a time, for the long-running ones), `$/progress` through the
 * client's workDoneToken under the registry's title, cancellation answered with
 * RequestCancelled, and errors turned into coded JSON-RPC errors with the server still running.
 */

export interface HandlerContext {
  /** The runner for `model` (default: the loaded model, else the default model), loaded on demand. */
  runner(model?: string): Promise<ModelRunner>;
  host: ModelHost;
  /** Reports `$/progress` (begin on the first call, then report) when the request carries a workDoneToken; else nothing. */
  progress(message: string, fraction?: number): void;
  /** Cancelled when the client sends `$/cancelRequest` for this request. */
  token: CancellationToken;
  /** The same cancellation as an AbortSignal (aborted with CancelledError), for media decoding and forward passes. */
  signal: AbortSignal;
  /** Throws (answered as RequestCancelled) if the request was cancelled: call between the steps of long work. */
  throwIfCancelled(): void;
  log(line: string): void;
}

export interface HandlerSpec<P, R> {
  /** The operation served: its RPC method, title and whether it waits for its turn on the model come from the registry. */
  method: MethodName;
  /**
   * Checks the params as the client sent them (workDoneToken removed) and returns them typed; it
   * runs before the request waits for its turn on the model, so bad params are refused at once
   * even while a long analysis runs. Without it, `handle` gets the raw params.
   */
  parse?(raw: unknown): P;
  handle(params: P, ctx: HandlerContext): Promise<R> | R;
}

/** A table entry: the spec, typed at definition, erased to sit in one table. */
export type TableEntry = HandlerSpec<unknown, unknown>;

export function defineHandler<P, R>(spec: HandlerSpec<P, R>): TableEntry {
  return spec as unknown as TableEntry;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Progress for one request: begins lazily, so requests that never report send nothing. */
class RequestProgress {
  private readonly reporter: WorkDoneProgressReporter | undefined;
  private begun = false;

  constructor(connection: Connection, params: unknown, private readonly title: string) {
    if (!isObject(params) || !('workDoneToken' in params)) return;
    const token = params.workDoneToken;
    delete params.workDoneToken; // handlers see only their own parameters
    if (typeof token === 'string' || typeof token === 'number') this.reporter = connection.window.attachWorkDoneProgress(token);
  }

  report(message: string, fraction?: number): void {
    if (!this.reporter) return;
    const percentage = fraction === undefined || !Number.isFinite(fraction) ? undefined : Math.round(Math.min(1, Math.max(0, fraction)) * 100);
    if (!this.begun) {
      this.begun = true;
      this.reporter.begin(this.title, percentage, message, true);
    } else if (percentage === undefined) {
      this.reporter.report(message);
    } else {
      this.reporter.report(percentage, message);
    }
  }

  done(): void {
    if (this.begun) this.reporter?.done();
  }
}

export interface Dispatcher {
  connection: Connection;
  host: ModelHost;
  log(line: string): void;
  /** Called with failures that are not the request's fault (bugs, runtime failures). */
  logUnexpected(error: unknown): void;
  /** True once the client sent `shutdown`: every request is then refused, as the LSP says. */
  isShutDown?(): boolean;
}

const SHUT_DOWN = 'The server is shutting down (it received "shutdown"): send "exit" and start a new one.';

async function serve(spec: TableEntry, params: unknown, token: CancellationToken, d: Dispatcher): Promise<unknown> {
  const method = rpcMethodOf(spec.method);
  const { title, longRunning } = METHODS[spec.method];
  const progress = new RequestProgress(d.connection, params, title);
  const throwIfCancelled = () => {
    if (token.isCancellationRequested) throw new CancelledError();
  };
  const abort = new AbortController();
  const cancelSub = token.onCancellationRequested(() => abort.abort(new CancelledError()));
  if (token.isCancellationRequested) abort.abort(new CancelledError());
  // runners handed to this request stop their forward passes when it is cancelled (see ModelRunner.cancellation)
  const bound = new Set<ModelRunner>();
  const ctx: HandlerContext = {
    runner: async (model) => {
      const runner = await d.host.runner(model);
      runner.cancellation = abort.signal;
      bound.add(runner);
      return runner;
    },
    host: d.host,
    progress: (message, fraction) => progress.report(message, fraction),
    token,
    signal: abort.signal,
    throwIfCancelled,
    log: d.log,
  };
  try {
    const checked = spec.parse ? spec.parse(params) : params;
    const work = async () => {
      throwIfCancelled();
      return spec.handle(checked, ctx);
    };
    const result = longRunning ? await d.host.exclusive(work, token) : await work();
    throwIfCancelled();
    return result ?? null;
  } catch (e) {
    const error = toResponseError(e, d.logUnexpected);
    d.log(isCancellation(e) ? `${method} cancelled.` : `${method} failed (${error.code}): ${error.message}`);
    throw error;
  } finally {
    cancelSub.dispose();
    for (const runner of bound) if (runner.cancellation === abort.signal) runner.cancellation = undefined;
    progress.done();
  }
}

/** Every operation's handler, by its registry name: an operation without one is a compile error. */
export type HandlerTable = Readonly<Record<MethodName, TableEntry>>;

/** Registers every handler of the table on the connection, under its method and any deprecated alias (spatialIds/patchSweep). */
export function registerHandlers(table: HandlerTable, d: Dispatcher): void {
  const register = (rpcMethod: string, spec: TableEntry) =>
    // vscode-jsonrpc calls (token) when no params came, (params, token) otherwise
    d.connection.onRequest(rpcMethod, (...args: unknown[]) => {
      const token = args[args.length - 1] as CancellationToken;
      const params = args.length > 1 ? args[0] : undefined;
      if (d.isShutDown?.()) return new ResponseError(RpcErrorCodes.InvalidRequest, SHUT_DOWN);
      return serve(spec, params, token, d);
    });
  for (const name of METHOD_NAMES) register(rpcMethodOf(name), table[name]);
  for (const [alias, name] of Object.entries(DEPRECATED_RPC_METHODS)) register(alias, table[name]);
}
