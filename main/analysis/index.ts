/**
 * The analysis service's public face for the app: measuring and saving assessments of a clinic's
 * stored scans (scan-analysis.ts) and "Find wound" with the workstation's one segmenter
 * (wound-finding.ts), and installing the clinic's own model (model-install.ts). The parts they compose are the folders beside them: segmentation/ (the
 * ONNX model), wound-finder/ (scan → wound boundary), measure/ (geometry), assessment/ (the
 * measure worker).
 */
export { createScanAnalysis, ScanAnalysisError, CLOUD_CACHE_SIZE, type ScanAnalysis, type ScanAnalysisDeps, type SaveAssessmentRequest, type SaveAssessmentOutcome, type AmendAssessmentRequest } from './scan-analysis';
export { createWoundFinding, modelManifestFor, type WoundFinding } from './wound-finding';
export { createModelInstaller, type ModelInstaller, type ModelInstallActor } from './model-install';
export type { ActiveModelInfo } from './segmentation/index';
