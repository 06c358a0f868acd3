import { evalModelCommand } from './evalModelCommand';
import { exportDatasetCommand } from './exportDatasetCommand';

export interface CliCommand {
  summary: string;
  run(args: string[]): Promise<void>;
}

/** Every CLI command, by name. */
export const COMMANDS: Record<string, CliCommand> = {
  'export-dataset': exportDatasetCommand,
  'eval-model': evalModelCommand,
};
