import type { IdBanks } from '../analyses/idBanks';
import type { ResultsLog } from '../experiments/resultsLog';
import type { PanelServices } from '../panel/inspectorPanel';
import type { InferenceServer } from '../server/inferenceServer';
import type { SelectedModel } from '../server/selectedModel';

/** What the commands work with (built once in activate). */
export interface CommandContext {
  server: InferenceServer;
  models: SelectedModel;
  banks: IdBanks;
  results: ResultsLog;
  panels: PanelServices;
}
