import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RequestType } from 'vscode-languageserver-protocol';
import { REQUEST_TYPES, type FramePreview, type IdBankSummary } from '../../../protocol/requests';
import { type WebviewMethodName, methodOfRpc } from '../../../protocol/methods';
import { type Experiment, experimentUiSchema, storeExperiment } from '../../../protocol/experiment';
import type { ExperimentStep, ExperimentUi, ReplayedExperiment } from '../../../protocol/experimentSteps';
import type { HostToWebview, InitBody, PaletteAction, WebviewMethod, WebviewToHost } from '../../../protocol/webview';
import type { IdBanks } from '../analyses/idBanks';
import { readSettings } from '../config/settings';
import { saveJsonWithDialog, saveWithDialog, suggestedFolder } from '../experiments/saveFiles';
import { editorStoreOptions, savedCounts } from '../experiments/storeOptions';
import type { ServerStateChange } from '../../../protocol/webview';
import type { SelectedModel } from '../server/selectedModel';
import { ErrorCodes, toPanelError } from '../../../protocol/errors';
import { checkWebviewMessage } from './messageValidation';
import { scopeParams, ScopeError, type PanelScope } from './paramsScope';
import { recordedResult } from '../experiments/recordedResult';
import { readSceneSidecar } from './sceneSidecar';

/**
 * A bank that does not fit the model: the panel has a Derive IDs button, so the fix named is
 * that one, not the CLI command the server's message names.
 */
function withPanelFix<E extends { code: number; message: string }>(error: E): E {
  if (error.code !== ErrorCodes.wrongBank) return error;
  return { ...error, message: `${error.message.replace(/:? ?derive (one|it) (again|with derive-t?ids)\.?$/i, '.')} Use Derive IDs in the panel's header to derive the ID bank of the loaded model.` };
}

/** The operation of a method the panel may call (the message check holds it to WEBVIEW_METHODS first). */
const webviewMethodName = (method: WebviewMethod) => methodOfRpc(method) as WebviewMethodName;

/** A panel's id and its recorded steps, kept across a window reload (inspectorPanel.ts); tests pass none. */
export interface PanelPersistence {
  panelId?: string;
  /** Steps recorded before a reload. */
  steps?: readonly ExperimentStep[];
  /** Called after every request with the steps so far. */
  onSteps?: (steps: readonly ExperimentStep[]) => void;
}

/** How long a palette command waits for the panel's first request before it stops waiting (the panel shows why it made none). */
const PALETTE_WAIT_MS = 30_000;

interface PaletteWait {
  method: string;
  resolve: (step: ExperimentStep | undefined) => void;
  timer: NodeJS.Timeout | null;
}

export interface PanelMedia {
  kind: 'image' | 'video';
  path: string;
  /** A webview URI of the file. */
  displayUri: string;
  /** Videos: the frames the model reads, from the server. */
  frames?: () => Promise<FramePreview[]>;
}

/**
 * The host side of one inspector panel, apart from the WebviewPanel itself so that tests can
 * drive it with messages: validates what the webview sends, answers `ready` with `init`,
 * forwards requests to the server within the panel's scope, records every request and result
 * in the panel's experiment, and relays server state and newly derived ID banks.
 */
export class PanelController implements vscode.Disposable {
  /** Every request of this panel, in the order the panel made them (results filled in as they come). */
  readonly steps: ExperimentStep[];
  /** A palette command waiting for the webview's init, and the one whose result a command awaits. */
  private pendingAction: PaletteAction | null = null;
  private awaiting: PaletteWait | null = null;
  private ready = false;
  private model: { dir: string; decoderHash: string } | null = null;
  private readonly inFlight = new Set<vscode.CancellationTokenSource>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private bank: IdBankSummary | null = null;

  constructor(
    readonly media: PanelMedia,
    private readonly post: (message: HostToWebview) => Thenable<boolean>,
    private readonly models: SelectedModel,
    private readonly banks: IdBanks,
    /** A saved experiment being replayed (already re-run), sent with init. */
    private readonly replay?: ReplayedExperiment,
    private readonly persistence: PanelPersistence = {},
  ) {
    this.steps = [...(persistence.steps ?? [])];
    this.subscriptions.push(
      models.server.onDidChangeState((s) => void this.postServerState(s)),
      // Select Model...: the panel drops the old model's bank and steps and re-inits on the new model
      models.onDidChangeModel((info) => {
        if (info && this.model && (info.decoderHash !== this.model.decoderHash || info.dir !== this.model.dir)) void this.switchModel();
      }),
      banks.onDidDeriveBank((b) => {
        // a bank derived for another model (a switch while deriving) is not this panel's
        if (b.kind !== this.bankKind || (this.model && b.decoderHash !== this.model.decoderHash)) return;
        this.bank = b;
        void this.post({ type: 'bank', body: b });
      }),
    );
  }

  private get bankKind(): 'spatial' | 'temporal' {
    return this.media.kind === 'image' ? 'spatial' : 'temporal';
  }

  private get scope(): PanelScope {
    return { media: { kind: this.media.kind, path: this.media.path }, bankPath: this.bank?.bank ?? null };
  }

  /** Entry point for every message from the webview. */
  async handle(raw: unknown): Promise<void> {
    const checked = checkWebviewMessage(raw);
    if (!checked.ok) {
      this.models.server.log.warn(`Ignored a message from the inspector panel: ${checked.reason}`);
      if (checked.requestId !== undefined) await this.post({ type: 'error', requestId: checked.requestId, body: { code: -32600, message: `Refused: ${checked.reason}.`, retryable: false } });
      return;
    }
    await this.dispatch(checked.message);
  }

  private async dispatch(message: WebviewToHost): Promise<void> {
    switch (message.type) {
      case 'ready':
        return this.sendInit();
      case 'request':
        return this.forward(message.requestId, message.body.method, message.body.params as Record<string, unknown>);
      case 'saveExperiment':
        return this.saveExperiment(message.body.experiment);
      case 'exportFile':
        return this.exportFile(message.body);
      case 'deriveIds':
        await this.banks.derive(this.bankKind).catch(() => undefined);
        return;
      case 'retry':
        return this.sendInit();
      case 'cancel':
        // the panel's Cancel: its requests answer RequestCancelled, which it shows as "Cancelled", not as an error
        for (const c of this.inFlight) c.cancel();
        return;
    }
  }

  /** `init`: loads the model if needed; a server that cannot start still gets the panel an init and a stopped state. */
  async initBody(): Promise<InitBody> {
    const model = await this.models.ensureLoaded().catch((e: unknown) => {
      this.models.server.log.error(`Loading the model for the panel: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    });
    if (model) this.model = { dir: model.dir, decoderHash: model.decoderHash };
    this.bank = model ? await this.banks.cache.read(model.decoderHash, this.bankKind) : null;
    const settings = readSettings();
    // a scene-engine picture's objects: the first question asks about what is in it
    const sceneObjects = await readSceneSidecar(this.media.path, this.models.server.log);
    return {
      media: { kind: this.media.kind, path: this.media.path, displayUri: this.media.displayUri, ...(this.media.frames ? { frames: await this.media.frames() } : {}) },
      model,
      bank: this.bank,
      settings: { steeringFactor: settings.steeringFactor, defaultLayers: settings.defaultLayers },
      ...(this.replay ? { experiment: this.replay } : {}),
      ...(this.persistence.panelId ? { panelId: this.persistence.panelId } : {}),
      ...(sceneObjects ? { sceneObjects } : {}),
    };
  }

  /**
   * After Select Model...: requests in flight for the old model are cancelled and its steps
   * dropped (an experiment holds one model's steps); the webview gets a fresh init and re-asks
   * its question on the new model (webview/src/app/modelSwitch.ts).
   */
  private async switchModel(): Promise<void> {
    for (const c of this.inFlight) c.cancel();
    this.steps.splice(0);
    this.persistence.onSteps?.(this.steps);
    await this.sendInit();
  }

  private async sendInit(): Promise<void> {
    const body = await this.initBody();
    await this.post({ type: 'init', body });
    await this.postServerState(this.models.server.state);
    this.ready = true;
    const action = this.pendingAction;
    this.pendingAction = null;
    if (action) await this.deliver(action);
  }

  /**
   * A palette command run in this panel: the webview asks the question and steers or sweeps as
   * if clicked, so the result shows here and is recorded in the panel's experiment. Resolves with
   * the command's step (the steer or sweep, with its result), or undefined when the panel's run failed or
   * it made no request at all within PALETTE_WAIT_MS (it then shows why).
   */
  perform(action: PaletteAction): Promise<ExperimentStep | undefined> {
    this.settleAwaiting(undefined);
    const method = action.kind === 'steer' ? 'steer' : 'sweepPatches';
    const wait = new Promise<ExperimentStep | undefined>((resolve) => (this.awaiting = { method, resolve, timer: null }));
    if (this.ready) void this.deliver(action);
    else this.pendingAction = action;
    return wait;
  }

  private async deliver(action: PaletteAction): Promise<void> {
    await this.post({ type: 'paletteAction', body: action });
    this.armPaletteWait();
  }

  /** (Re)starts the wait for the panel's next request. */
  private armPaletteWait(): void {
    const a = this.awaiting;
    if (!a) return;
    if (a.timer) clearTimeout(a.timer);
    a.timer = setTimeout(() => this.settleAwaiting(undefined), PALETTE_WAIT_MS);
  }

  private settleAwaiting(value: ExperimentStep | undefined): void {
    const a = this.awaiting;
    this.awaiting = null;
    if (a?.timer) clearTimeout(a.timer);
    a?.resolve(value);
  }

  /** Every request of the panel while a palette command waits: its step settles the wait; any failure ends it. */
  private noteStepForPalette(step: ExperimentStep): void {
    const a = this.awaiting;
    if (!a) return;
    if (step.error) this.settleAwaiting(undefined);
    else if (step.method === a.method) this.settleAwaiting(step);
    else if (this.inFlight.size === 0) this.armPaletteWait();
  }

  private postServerState(s: ServerStateChange): Thenable<boolean> {
    return this.post({ type: 'serverState', body: { state: s.state, ...(s.message ? { message: s.message } : {}) } });
  }

  private async forward(requestId: number, method: WebviewMethod, params: Record<string, unknown>): Promise<void> {
    // a request that crosses a model switch is scoped to the new model's bank, never the old one's
    const loaded = this.models.model;
    if (loaded && this.model && loaded.decoderHash !== this.model.decoderHash) {
      this.model = { dir: loaded.dir, decoderHash: loaded.decoderHash };
      this.bank = await this.banks.cache.read(loaded.decoderHash, this.bankKind);
    }
    let scoped: Record<string, unknown>;
    try {
      scoped = scopeParams(method, params, this.scope);
    } catch (e) {
      if (!(e instanceof ScopeError)) throw e;
      await this.post({ type: 'error', requestId, body: { code: -32600, message: e.message, retryable: false } });
      return;
    }
    const cancel = new vscode.CancellationTokenSource();
    this.inFlight.add(cancel);
    // a palette command's wait only runs out while the panel asks nothing (a sweep may take minutes)
    if (this.awaiting?.timer) clearTimeout(this.awaiting.timer);
    // recorded when asked, not when answered, so the steps keep the panel's order (a run asks forward and probe at once)
    const step: ExperimentStep = { method: webviewMethodName(method), params: scoped };
    this.steps.push(step);
    try {
      const result = await this.models.request(REQUEST_TYPES[webviewMethodName(method)] as RequestType<never, unknown, void>, scoped as never, cancel.token, (p) => void this.post({ type: 'progress', requestId, body: p }));
      step.result = recordedResult(step.method, result);
      await this.post({ type: 'response', requestId, body: result });
    } catch (e) {
      const error = withPanelFix(toPanelError(e));
      step.error = { code: error.code, message: error.message };
      await this.post({ type: 'error', requestId, body: error });
    } finally {
      this.inFlight.delete(cancel);
      cancel.dispose();
      this.persistence.onSteps?.(this.steps);
      this.noteStepForPalette(step);
    }
  }

  /** This panel's experiment: its model, its steps and the panel's own actions (`ui`, as the webview sent them with Save experiment). */
  experiment(ui?: ExperimentUi): Experiment {
    return {
      model: this.model ?? { dir: this.models.modelDir, decoderHash: null },
      steps: this.steps,
      ui: { media: { kind: this.media.kind, path: this.media.path }, ...(ui?.actions ? { actions: ui.actions } : {}) },
    };
  }

  /** Save experiment: paths relative to the chosen file's folder, the model's cached bank left out (every reader has the same). */
  private async saveExperiment(ui: unknown): Promise<void> {
    // the webview is not trusted: its actions are written only when they are what a reader accepts
    const checked = experimentUiSchema.safeParse(ui);
    if (!checked.success) this.models.server.log.warn('Save experiment: the panel sent actions in an unknown shape; the experiment is saved with its steps only.');
    const actions = checked.success ? (checked.data as ExperimentUi).actions : undefined;
    const experiment = this.experiment(actions ? { actions } : undefined);
    const options = editorStoreOptions(this.models.bundledModelDir, this.banks.cache.root);
    const name = `${path.parse(this.media.path).name}.experiment.json`;
    await saveJsonWithDialog(
      vscode.Uri.joinPath(suggestedFolder(this.media.path), name),
      (target: vscode.Uri) => storeExperiment(experiment, path.dirname(target.fsPath), options),
      'Save Spatial IDs Experiment',
      savedCounts,
    );
  }

  private async exportFile(body: { suggestedName: string; data: string; encoding: 'utf8' | 'base64' }): Promise<void> {
    const bytes = body.encoding === 'base64' ? Buffer.from(body.data, 'base64') : new TextEncoder().encode(body.data);
    const ext = path.extname(body.suggestedName).slice(1);
    await saveWithDialog(vscode.Uri.joinPath(suggestedFolder(this.media.path), body.suggestedName), bytes, 'Export from Spatial IDs', ext ? { [ext.toUpperCase()]: [ext] } : undefined);
  }

  dispose(): void {
    this.settleAwaiting(undefined);
    for (const c of this.inFlight) c.cancel();
    vscode.Disposable.from(...this.subscriptions).dispose();
  }
}
