/**
 * The analysis service's public face for the app: measuring and saving assessments of a clinic's
 * stored scans (scan-analysis.ts) and "Find wound" with the workstation's one segmenter
 * (wound-finding.ts). The parts they compose are the folders beside them: segmentation/ (the
 * ONNX model), wound-finder/ (scan → wound boundary), measure/ (geometry), assessment/ (the
 * measure worker).
 */
export { createScanAnalysis, ScanAnalysisError, CLOUD_CACHE_SIZE, type ScanAnalysis, type ScanAnalysisDeps, type SaveAssessmentRequest, type SaveAssessmentOutcome } from './scan-analysis';
export { createWoundFinding, modelManifestFor, type WoundFinding } from './wound-finding';
