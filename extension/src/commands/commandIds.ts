/** Command ids, as contributed in package.json. */
export const COMMANDS = {
  inspect: 'spatialIds.inspect',
  deriveIds: 'spatialIds.deriveIds',
  deriveTids: 'spatialIds.deriveTids',
  steerObject: 'spatialIds.steerObject',
  patchSweep: 'spatialIds.patchSweep',
  selectModel: 'spatialIds.selectModel',
  openExperiment: 'spatialIds.openExperiment',
  exportResults: 'spatialIds.exportResults',
  restartServer: 'spatialIds.restartServer',
  showServerLog: 'spatialIds.showServerLog',
} as const;
