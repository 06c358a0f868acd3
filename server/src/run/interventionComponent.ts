import { badRequest } from '../../../protocol/errors';
import type { InterventionComponent } from '../../../protocol/requests';

/**
 * What an intervention may write today: the residual stream (`resid`, the default). The
 * protocol reserves `attn_out` and `mlp_out` (a block's attention and MLP outputs) so that
 * requests and experiment files have room for them; until the graph exposes those sites they
 * are refused by name. Checked with the params, before any work, and again by the run API.
 */
export function checkInterventionComponent(component: InterventionComponent | undefined, field = 'component'): void {
  if (component === undefined || component === 'resid') return;
  if (component === 'attn_out' || component === 'mlp_out') {
    throw badRequest(`${field} "${component}" is not yet supported: interventions write the residual stream only. Use "component": "resid" (or leave it out).`);
  }
  throw badRequest(`${field} ${JSON.stringify(component)} is unknown: use "resid".`);
}
