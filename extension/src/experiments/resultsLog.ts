/**
 * Results of palette commands (batch steering, sweeps, derivations) in this session, so
 * Export Results... can write them with the panels' experiments.
 */
export interface LoggedResult {
  command: string;
  at: string;
  params: unknown;
  result: unknown;
}

export class ResultsLog {
  private readonly entries: LoggedResult[] = [];

  add(command: string, params: unknown, result: unknown): void {
    this.entries.push({ command, at: new Date().toISOString(), params, result });
  }

  get all(): readonly LoggedResult[] {
    return this.entries;
  }
}
