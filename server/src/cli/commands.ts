import { ANALYSIS_METHOD_NAMES, type AnalysisMethodName, DEPRECATED_CLI_COMMANDS, cliCommandOf } from '../../../protocol/methods';
import { deriveIdsCommand, deriveTidsCommand, sweepPatchesCommand, probeCommand, steerCommand } from './analysisCommands';
import { evalModelCommand } from './evalModelCommand';
import { exportDatasetCommand } from './exportDatasetCommand';
import { flipMapCommand } from './flipMapCommand';
import { forwardCommand } from './forwardCommand';
import { infoCommand } from './infoCommand';

export interface CliCommand {
  summary: string;
  run(args: string[]): Promise<void>;
}

/** The analyses of the method registry (protocol/methods.ts): a missing one is a compile error here. */
const ANALYSES: Record<AnalysisMethodName, CliCommand> = {
  deriveIds: deriveIdsCommand,
  deriveTids: deriveTidsCommand,
  probe: probeCommand,
  steer: steerCommand,
  sweepPatches: sweepPatchesCommand,
};

/** Every CLI command, by name: an analysis is named by its registry name in kebab case (sweepPatches -> sweep-patches). */
export const COMMANDS: Record<string, CliCommand> = {
  info: infoCommand,
  forward: forwardCommand,
  ...Object.fromEntries(ANALYSIS_METHOD_NAMES.map((name) => [cliCommandOf(name), ANALYSES[name]])),
  'export-dataset': exportDatasetCommand,
  'eval-model': evalModelCommand,
  'flip-map': flipMapCommand,
};

/** The command for `name`, or for a deprecated name (patch-sweep), which is not listed in the usage. */
export function commandNamed(name: string): CliCommand | undefined {
  const renamed = Object.hasOwn(DEPRECATED_CLI_COMMANDS, name) ? cliCommandOf(DEPRECATED_CLI_COMMANDS[name]) : name;
  return Object.hasOwn(COMMANDS, renamed) ? COMMANDS[renamed] : undefined;
}
