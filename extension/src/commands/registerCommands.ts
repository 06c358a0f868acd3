import * as vscode from 'vscode';
import { resolveMediaTarget } from '../media/mediaTarget';
import { InspectorPanel } from '../panel/inspectorPanel';
import { pickModel } from '../ui/modelPicker';
import type { CommandContext } from './commandContext';
import { COMMANDS } from './commandIds';
import { deriveCommand } from './deriveCommands';
import { exportResultsCommand, openExperimentCommand } from './experimentCommands';
import { sweepPatchesCommand, steerObjectCommand } from './interventionCommands';

/** Inspect Spatial IDs: the invoked-on file, the active preview, or a picked one. */
async function inspect(ctx: CommandContext, arg?: unknown): Promise<InspectorPanel | undefined> {
  const target = await resolveMediaTarget(arg);
  return target && InspectorPanel.show(target, ctx.panels);
}

/** Every palette command; each returns its result so integration tests can check it. */
export function registerCommands(ctx: CommandContext): vscode.Disposable {
  const register = (id: string, run: (...args: unknown[]) => unknown) => vscode.commands.registerCommand(id, run);
  return vscode.Disposable.from(
    register(COMMANDS.inspect, (arg) => inspect(ctx, arg)),
    register(COMMANDS.deriveIds, () => deriveCommand(ctx, 'spatial')),
    register(COMMANDS.deriveTids, () => deriveCommand(ctx, 'temporal')),
    register(COMMANDS.steerObject, (arg) => steerObjectCommand(ctx, arg)),
    register(COMMANDS.sweepPatches, (arg) => sweepPatchesCommand(ctx, arg)),
    register(COMMANDS.selectModel, () => pickModel(ctx.models)),
    register(COMMANDS.openExperiment, (arg) => openExperimentCommand(ctx, arg)),
    register(COMMANDS.exportResults, () => exportResultsCommand(ctx)),
    register(COMMANDS.restartServer, () => ctx.server.restart().then(() => ctx.models.ensureLoaded())),
    register(COMMANDS.showServerLog, () => ctx.server.log.show()),
  );
}
