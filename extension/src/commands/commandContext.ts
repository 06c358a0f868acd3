import type { IdBanks } from '../analyses/idBanks';
import type { ResultsLog } from '../experiments/resultsLog';
import type { PanelServices } from '../panel/inspectorPanel';
import type { InferenceServer } from '../server/inferenceServer';
import type { ModelSession } from '../server/modelSession';

/** What the commands work with (built once in activate). */
export interface CommandContext {
  server: InferenceServer;
  models: ModelSession;
  banks: IdBanks;
  results: ResultsLog;
  panels: PanelServices;
}
