/** Command ids, as contributed in package.json. */
export const COMMANDS = {
  inspect: 'spatialIds.inspect',
  deriveIds: 'spatialIds.deriveIds',
  deriveTids: 'spatialIds.deriveTids',
  steerObject: 'spatialIds.steerObject',
  sweepPatches: 'spatialIds.sweepPatches',
  selectModel: 'spatialIds.selectModel',
  openExperiment: 'spatialIds.openExperiment',
  exportResults: 'spatialIds.exportResults',
  restartServer: 'spatialIds.restartServer',
  showServerLog: 'spatialIds.showServerLog',
} as const;
