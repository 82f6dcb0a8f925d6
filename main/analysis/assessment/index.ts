/**
 * Wound assessment helpers: measureWound in a worker thread (`createMeasureRunner`) and the
 * summary the UI and the record use (figures in display units, lid mesh, depth overlay).
 */
export { createMeasureRunner, type MeasureRunner, type MeasureRunResult, type MeasureRunnerOptions, type MeasureRunOptions } from './measure-runner';
export { measurementFigures, type MeasureSummary } from './summarise';
