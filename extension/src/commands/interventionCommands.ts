import * as vscode from 'vscode';
import { sweepPatchesRequest, steerRequest, type ModelInfo, type SweepPatchesParams, type SweepPatchesResult, type SteerParams, type SteerResult } from '../../../protocol/requests';
import type { PaletteAction } from '../../../protocol/webview';
import { runWithProgress } from '../analyses/longRunning';
import { readSettings } from '../config/settings';
import { type MediaTarget, resolveMediaTarget } from '../media/mediaTarget';
import { InspectorPanel } from '../panel/inspectorPanel';
import { objectWords, questionTemplates } from '../panel/questionVocabulary';
import type { CommandContext } from './commandContext';
import { bankOrDerive } from './deriveCommands';

const BATCH_SCENES = 64;

type Mode = 'single' | 'batch';

async function pickMode(what: string): Promise<Mode | undefined> {
  const pick = await vscode.window.showQuickPick(
    [
      { label: '$(file-media) On an image...', detail: `${what} on one image and question`, mode: 'single' as const },
      { label: '$(beaker) Batch of held-out scenes', detail: `${what} on ${BATCH_SCENES} scene-engine scenes, with 95% intervals`, mode: 'batch' as const },
    ],
    { title: `Spatial IDs: ${what}` },
  );
  return pick?.mode;
}

/** The loaded model's description (loading the selected model first), or null when it cannot load (the request then says why). */
const loadedModel = (ctx: CommandContext): Promise<ModelInfo | null> => ctx.models.ensureLoaded().catch(() => null);

/** Asks for a question, offering the model's first template with two of its object words (a closed-vocabulary model), else an empty box. */
async function askQuestion(model: ModelInfo | null): Promise<string | undefined> {
  const [a, b] = objectWords(model);
  const template = questionTemplates(model, 'image')[0];
  const example = template && a && b ? template.replace('{a}', a).replace('{b}', b) : '';
  return vscode.window.showInputBox({ title: 'Question about the image', value: example, validateInput: (q) => (q.trim() ? undefined : 'Ask a question.') });
}

const rate = (r: { rate: number; low: number; high: number }) => `${(100 * r.rate).toFixed(0)}% [${(100 * r.low).toFixed(0)}, ${(100 * r.high).toFixed(0)}]`;

/** A batch's flip rates (a single input's outcome is shown in its panel). */
function summariseSteer(result: SteerResult): string {
  return (result.perLayer ?? []).map((p) => `layers ${p.layers.join(',')}: steering ${rate(p.steering)}, noise ${rate(p.noise)}`).join('; ');
}

/** A palette command on one image or video, run in its panel (opened if needed): the result shows there and is recorded in its experiment and in Export Results.... */
async function inPanel<R>(ctx: CommandContext, target: MediaTarget, action: PaletteAction): Promise<R | undefined> {
  const step = await InspectorPanel.perform(target, ctx.panels, action);
  if (!step || step.result === undefined) return undefined;
  ctx.results.add(step);
  return step.result as R;
}

/** Steer Object...: move an object's spatial ID on one image (in its panel), or measure flip rates on a batch. */
export async function steerObjectCommand(ctx: CommandContext, arg?: unknown): Promise<SteerResult | undefined> {
  const bank = await bankOrDerive(ctx, 'spatial');
  if (!bank?.bank) return undefined;
  const mode = arg instanceof vscode.Uri ? 'single' : await pickMode('Steer an object');
  if (!mode) return undefined;
  const { defaultLayers, steeringFactor } = readSettings();
  if (mode === 'single') {
    const target = await resolveMediaTarget(arg, ['image']);
    const question = target && (await askQuestion(await loadedModel(ctx)));
    if (!target || !question) return undefined;
    const words = objectWords(await loadedModel(ctx));
    const named = words.filter((w) => question.includes(w));
    const object =
      named.length === 1
        ? named[0]
        : words.length
          ? await vscode.window.showQuickPick(named.length ? named : words, { title: 'Object to move' })
          : await vscode.window.showInputBox({ title: 'Object to move, as the question names it' });
    if (!object) return undefined;
    const cell = await vscode.window.showQuickPick(
      bank.cells.map((c, i) => ({ label: `row ${c.y + 1}, column ${c.x + 1}`, i })),
      { title: `Move the ${object} to` },
    );
    if (!cell) return undefined;
    // the panel steers at its own layer band and factor (the settings' defaults unless changed there)
    return inPanel<SteerResult>(ctx, target, { kind: 'steer', question, object, targetCell: cell.i });
  }
  const params: SteerParams = { bank: bank.bank, layers: defaultLayers, ...(steeringFactor !== null ? { factor: steeringFactor } : {}), batch: BATCH_SCENES, opposite: true };
  const result = await runWithProgress(`Steering ${BATCH_SCENES} scenes`, (token, report) => ctx.models.request(steerRequest, params, token, report));
  if (!result) return undefined;
  ctx.results.add({ method: 'steer', params: params as Record<string, unknown>, result });
  void vscode.window.showInformationMessage(`Spatial IDs, steering at layers ${(params.layers ?? defaultLayers).join(',')}: ${summariseSteer(result)}`);
  return result;
}

/** Run Mirror Patching Sweep: patch from the mirrored twin, layer by layer, per token group; on one input in its panel. */
export async function sweepPatchesCommand(ctx: CommandContext, arg?: unknown) {
  const mode = arg instanceof vscode.Uri ? 'single' : await pickMode('Mirror patching sweep');
  if (!mode) return undefined;
  if (mode === 'single') {
    const target = await resolveMediaTarget(arg);
    const question = target && (await askQuestion(await loadedModel(ctx)));
    if (!target || !question) return undefined;
    return inPanel<SweepPatchesResult>(ctx, target, { kind: 'sweepPatches', question });
  }
  const params: SweepPatchesParams = { batch: BATCH_SCENES };
  const result = await runWithProgress('Mirror patching sweep', (token, report) => ctx.models.request(sweepPatchesRequest, params, token, report));
  if (!result) return undefined;
  ctx.results.add({ method: 'sweepPatches', params: params as Record<string, unknown>, result });
  const peak = (c: { mean: number[] }) => result.layers[c.mean.indexOf(Math.max(...c.mean))];
  const g = result.groups;
  void vscode.window.showInformationMessage(
    `Spatial IDs, mirror patching (n=${result.n}): the answer follows the patch most at layer ${peak(g.image)} for image tokens, ${peak(g.objects)} for object words, ${peak(g.text)} for other text. Export Results... saves the curves.`,
  );
  return result;
}
