/** Reports (issue 18): the signed PDF of a visit or a wound's course, the FHIR R4 export and its check. */
export { createReportsService, parseSnapshots, MAX_SNAPSHOTS, MAX_SNAPSHOT_BYTES, type ReportsService, type ReportsDeps, type SnapshotInput, type ReportFile } from './reports.service';
export { buildWoundBundle, bundleProblems, terminologyProblems, summariseBundle, MEASURES, type BundleSummary, type ShareOptions } from './fhir-bundle';
export { renderReport } from './pdf';
export { createSigningIdentities, signPdf, signingAccount, SIGNING_SETTINGS_KEY } from './signing';
export { ReportError, type ReportErrorCode } from './errors';
export type { ReportData, Snapshot } from './report-data';
