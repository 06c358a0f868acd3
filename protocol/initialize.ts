/**
 * What the inference server adds to its LSP `initialize` result (InitializeResult allows custom
 * fields): its process id. The extension reads it through the language client's public
 * `initializeResult`, so its tests can kill the server and watch it recover without reaching
 * into the client's private fields.
 */
export interface SpatialIdsInitializeResult {
  processId: number;
}

/** The server's process id from an initialize result; undefined before the server has started. */
export function serverProcessId(result: unknown): number | undefined {
  const id = (result as Partial<SpatialIdsInitializeResult> | null | undefined)?.processId;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}
