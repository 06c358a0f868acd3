/**
 * The one registry of operations: each has one name (`sweepPatches`), from which its JSON-RPC
 * method (`spatialIds/sweepPatches`), its CLI command (`sweep-patches`), its title, whether it is
 * long-running and whether the panel may call it are derived. The server's handler table, the
 * CLI's analysis commands and the webview whitelist are built from it (and a compile error says
 * which one lacks an entry). Params schemas are keyed by the same names (requestSchemas.ts).
 * No imports, so the panel's browser bundle can carry it as it is.
 */

export interface MethodSpec {
  /** Shown for the request's progress (`$/progress`, the palette's notification). */
  title: string;
  /**
   * Long-running: waits for its turn on the model (one run at a time) and can be cancelled.
   * False for cheap reads that must answer at once, even while an analysis runs.
   */
  longRunning: boolean;
  /** Whether the panel may ask the server for it through the extension host. */
  webview: boolean;
  /** An analysis the CLI runs as `spatial-id-lens <command>` with the shared analysis options. */
  analysis: boolean;
}

export const METHODS = {
  loadModel: { title: 'Loading the model', longRunning: true, webview: false, analysis: false },
  modelInfo: { title: 'Model information', longRunning: false, webview: false, analysis: false },
  forward: { title: 'Running the model', longRunning: true, webview: true, analysis: false },
  deriveIds: { title: 'Deriving spatial IDs', longRunning: true, webview: false, analysis: true },
  deriveTids: { title: 'Deriving temporal IDs', longRunning: true, webview: false, analysis: true },
  probe: { title: 'Reading where the objects are', longRunning: true, webview: true, analysis: true },
  steer: { title: 'Steering', longRunning: true, webview: true, analysis: true },
  sweepPatches: { title: 'Mirror patching sweep', longRunning: true, webview: true, analysis: true },
  videoFrames: { title: 'Reading the video frames', longRunning: true, webview: false, analysis: false },
  flipMap: { title: 'Flip map', longRunning: true, webview: true, analysis: false },
} as const satisfies Record<string, MethodSpec>;

export type MethodName = keyof typeof METHODS;
export type RpcMethod<M extends MethodName = MethodName> = `spatialIds/${M}`;

type Flagged<F extends 'webview' | 'analysis'> = { [K in MethodName]: (typeof METHODS)[K][F] extends true ? K : never }[MethodName];
/** The operations the panel may call. */
export type WebviewMethodName = Flagged<'webview'>;
/** The analyses, run by the CLI and written to experiment files as well as served over RPC. */
export type AnalysisMethodName = Flagged<'analysis'>;

export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];

export const rpcMethodOf = <M extends MethodName>(name: M): RpcMethod<M> => `spatialIds/${name}`;

/** `sweepPatches` -> `sweep-patches`. */
export const cliCommandOf = (name: MethodName): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Names a previous release used, still answered (deprecated; see README): the mirror-patching
 * sweep was `spatialIds/patchSweep` and `patch-sweep` before it had one name everywhere.
 */
export const DEPRECATED_RPC_METHODS: Readonly<Record<string, MethodName>> = { 'spatialIds/patchSweep': 'sweepPatches' };
export const DEPRECATED_CLI_COMMANDS: Readonly<Record<string, MethodName>> = { 'patch-sweep': 'sweepPatches' };

/** The operation of a JSON-RPC method name, or undefined for one this protocol does not have. */
export function methodOfRpc(method: string): MethodName | undefined {
  const name = method.startsWith('spatialIds/') ? method.slice('spatialIds/'.length) : undefined;
  if (name !== undefined && Object.hasOwn(METHODS, name)) return name as MethodName;
  return Object.hasOwn(DEPRECATED_RPC_METHODS, method) ? DEPRECATED_RPC_METHODS[method] : undefined;
}

/** The operation of a CLI command, or undefined. */
export function methodOfCli(command: string): MethodName | undefined {
  return METHOD_NAMES.find((n) => cliCommandOf(n) === command) ?? (Object.hasOwn(DEPRECATED_CLI_COMMANDS, command) ? DEPRECATED_CLI_COMMANDS[command] : undefined);
}

export const WEBVIEW_METHOD_NAMES = METHOD_NAMES.filter((n): n is WebviewMethodName => METHODS[n].webview);
export const ANALYSIS_METHOD_NAMES = METHOD_NAMES.filter((n): n is AnalysisMethodName => METHODS[n].analysis);
