import * as path from 'node:path';
import * as vscode from 'vscode';
import { MODEL_DTYPES, ModelDtype } from '../../../protocol/requests';

/** Every `spatialIds.*` setting, read in this one place (the vscode-eslint pattern). */
export interface SpatialIdsSettings {
  /** Model folders offered by Select Model..., absolute. */
  modelPaths: string[];
  defaultLayers: number[];
  /** null: the ID bank's calibrated factor (the server's default). */
  steeringFactor: number | null;
  /** onnxruntime intra-op threads; 0 = let onnxruntime decide. */
  threads: number;
  executionProviders: string[];
  /** Which of the folder's dtypes to load (its onnx/ file suffix). */
  dtype: ModelDtype;
}

export const SETTINGS_SECTION = 'spatialIds';

/**
 * Settings a workspace may not set unless it is trusted: a model folder is code-adjacent (an
 * ONNX graph runs in our server), so an untrusted repository must not choose one for the user.
 * Listed in package.json's `capabilities.untrustedWorkspaces.restrictedConfigurations` too.
 */
export const RESTRICTED_SETTINGS = ['modelPaths', 'executionProviders'] as const;

function numbers(value: unknown, fallback: number[]): number[] {
  return Array.isArray(value) && value.every((v) => Number.isInteger(v) && v >= 0) ? (value as number[]) : fallback;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '') : [];
}

/** A restricted setting: user-level only in an untrusted workspace, any level otherwise. */
function restricted<T>(config: vscode.WorkspaceConfiguration, key: string): T | undefined {
  if (vscode.workspace.isTrusted) return config.get<T>(key);
  const inspected = config.inspect<T>(key);
  return inspected?.globalValue ?? inspected?.defaultValue;
}

/** Relative model paths in workspace settings are relative to the first workspace folder. */
function absoluteModelPath(p: string): string {
  if (path.isAbsolute(p)) return p;
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return root ? path.resolve(root, p) : path.resolve(p);
}

export function readSettings(): SpatialIdsSettings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const factor = config.get<number>('steeringFactor');
  const threads = config.get<number>('threads');
  const dtype = config.get<string>('dtype');
  return {
    modelPaths: strings(restricted<string[]>(config, 'modelPaths')).map(absoluteModelPath),
    defaultLayers: numbers(config.get('defaultLayers'), [2, 3]),
    steeringFactor: typeof factor === 'number' && Number.isFinite(factor) && factor > 0 ? factor : null,
    threads: typeof threads === 'number' && Number.isInteger(threads) && threads >= 0 ? threads : 0,
    executionProviders: strings(restricted<string[]>(config, 'executionProviders')),
    dtype: (MODEL_DTYPES as readonly unknown[]).includes(dtype) ? (dtype as ModelDtype) : 'fp32',
  };
}

/** Fires when any `spatialIds.*` setting or the workspace's trust changes. */
export function onSettingsChanged(listener: () => void): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SETTINGS_SECTION)) listener();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(listener),
  );
}
