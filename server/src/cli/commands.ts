import { deriveIdsCommand, deriveTidsCommand, patchSweepCommand, probeCommand, steerCommand } from './analysisCommands';
import { evalModelCommand } from './evalModelCommand';
import { exportDatasetCommand } from './exportDatasetCommand';
import { forwardCommand } from './forwardCommand';
import { infoCommand } from './infoCommand';

export interface CliCommand {
  summary: string;
  run(args: string[]): Promise<void>;
}

/** Every CLI command, by name. */
export const COMMANDS: Record<string, CliCommand> = {
  info: infoCommand,
  forward: forwardCommand,
  'derive-ids': deriveIdsCommand,
  'derive-tids': deriveTidsCommand,
  probe: probeCommand,
  steer: steerCommand,
  'patch-sweep': patchSweepCommand,
  'export-dataset': exportDatasetCommand,
  'eval-model': evalModelCommand,
};
