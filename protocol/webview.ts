import type {
  FlipMapParams,
  FlipMapResult,
  ForwardParams,
  ForwardResult,
  FramePreview,
  IdBankSummary,
  ModelInfo,
  ProbeParams,
  ProbeResult,
  SteerParams,
  SteerResult,
  SweepPatchesParams,
  SweepPatchesResult,
} from './requests';
import type { PanelError } from './errors';
import { WEBVIEW_METHOD_NAMES, type RpcMethod, type WebviewMethodName, rpcMethodOf } from './methods';

/**
 * Messages between the inspector webview and the extension host (the custom-editor-sample
 * shape: `{type, requestId?, body}`; the webview says `ready`, the host answers `init`).
 * The webview asks the server through the host: each request names a server method from
 * requests.ts and the host checks it against `WEBVIEW_METHODS` (the registry's `webview: true`
 * operations, protocol/methods.ts) before forwarding. The webview bundle carries no JSON-RPC code:
 * requests.ts is imported for types only and methods.ts has no imports.
 */

/** Server requests the webview may make, by method name, with their params and results. */
export interface WebviewMethods {
  'spatialIds/forward': { params: ForwardParams; result: ForwardResult };
  'spatialIds/probe': { params: ProbeParams; result: ProbeResult };
  'spatialIds/steer': { params: SteerParams; result: SteerResult };
  'spatialIds/sweepPatches': { params: SweepPatchesParams; result: SweepPatchesResult };
  'spatialIds/flipMap': { params: FlipMapParams; result: FlipMapResult };
}
export type WebviewMethod = keyof WebviewMethods;
export const WEBVIEW_METHODS: readonly WebviewMethod[] = WEBVIEW_METHOD_NAMES.map(rpcMethodOf);

// the interface above lists exactly the registry's webview operations (a compile error here means they drifted)
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameAsRegistry: Same<WebviewMethod, RpcMethod<WebviewMethodName>> = true;
void sameAsRegistry;

/** What the panel inspects. */
export interface InspectedMedia {
  kind: 'image' | 'video';
  /** Absolute path on the server's machine (sent back in requests). */
  path: string;
  /** A webview URI for showing the image (for videos: frames are shown from `frames`). */
  displayUri: string;
  /** Videos: the frames the model reads, in its order, each with its index and time in the clip and a PNG data URL (spatialIds/videoFrames). */
  frames?: FramePreview[];
}

export interface InitBody {
  media: InspectedMedia;
  /** The loaded model; what can be asked about it (templates, closed object words) is its `vocabulary`. */
  model: ModelInfo | null;
  /** The ID bank for this model, when derived (its file and views). */
  bank: IdBankSummary | null;
  /** steeringFactor null: the ID bank's calibrated factor. */
  settings: { steeringFactor: number | null; defaultLayers: number[] };
  /** A saved experiment to replay, when the panel was opened from one: a ReplayedExperiment (experimentSteps.ts), checked by the panel. */
  experiment?: unknown;
  /** The host's id of this panel: kept in the webview's state, so a panel restored after a reload gets its recorded steps back. */
  panelId?: string;
  /** What a scene-engine picture holds, from its sidecar (`<picture>.scene.json`): the panel's first question names these objects; absent for a photo or a drawing. */
  sceneObjects?: SceneObjects;
}

/**
 * The sidecar's `format`: the scene engine writes `<file>.scene.json` beside a picture or clip it
 * drew, {format, version: 1, canvas: {width, height}, grid, objects: [{colour, shape, x, y, size,
 * appearFrame?}]} in the canvas's pixels (server/test/tools/sceneWorkspace.ts); the extension reads it.
 */
export const SCENE_SIDECAR_FORMAT = 'spatial-id-lens/scene';

/** The objects of a scene-engine picture or clip, as its sidecar records them. */
export interface SceneObjects {
  /** Cells per side of the scene's grid (4 for the bundled model's scenes). */
  grid: number;
  objects: SceneObjectNote[];
}

export interface SceneObjectNote {
  /** As questions name it: "red circle". */
  name: string;
  /** Centre as fractions of the canvas's width and height (0..1, y down); side as a fraction of its longer side. */
  x: number;
  y: number;
  size: number;
  /** Clips: the 0-based frame it first appears in. */
  appearFrame?: number;
}

/** A palette command (Steer Object..., Run Mirror Patching Sweep) run in the panel, so it shows there and is recorded. */
export type PaletteAction = { question: string } & ({ kind: 'steer'; object: string; targetCell: number } | { kind: 'sweepPatches' });

/** The inference server's state, as the extension host tracks it and tells the panel. */
export type ServerState = 'starting' | 'running' | 'stopped' | 'restarting';

export interface ServerStateChange {
  state: ServerState;
  /** Why, when stopped by a failure. */
  message?: string;
}

export type HostToWebview =
  | { type: 'init'; body: InitBody }
  | { type: 'bank'; body: IdBankSummary }
  | { type: 'response'; requestId: number; body: unknown }
  | { type: 'error'; requestId: number; body: PanelError }
  | { type: 'paletteAction'; body: PaletteAction }
  | { type: 'serverState'; body: ServerStateChange }
  /** How far a long request of the panel has got (the server's $/progress, relayed): shown as "n of N" beside Cancel. */
  | { type: 'progress'; requestId: number; body: { message?: string; percentage?: number } };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'request'; requestId: number; body: { method: WebviewMethod; params: unknown } }
  /** Save experiment: the panel's own actions (ExperimentUi, experimentSteps.ts); the host adds the steps it recorded. */
  | { type: 'saveExperiment'; body: { experiment: unknown } }
  | { type: 'exportFile'; body: { suggestedName: string; mime: string; data: string; encoding: 'utf8' | 'base64' } }
  | { type: 'deriveIds' }
  /** Cancel: the host cancels this panel's requests in flight (the panel runs one action at a time); they answer RequestCancelled. */
  | { type: 'cancel' }
  | { type: 'retry' };
