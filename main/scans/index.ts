/**
 * The scans service's public face. Other layers (api, cli, the import pipeline) import from
 * here only.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { PointCloud } from '../../common/point-cloud';
import { readPointCloud, type ReadPointCloudOptions } from './formats/read';

export { ScanFormatError, isScanFormatError, SCAN_ERROR_CODES, DETECTED_KINDS, type DetectedKind, type ScanErrorCode, type ScanErrorFormat } from './formats/errors';
export { readPointCloud, sniffFormat, type ReadPointCloudOptions } from './formats/read';
export { computeStats, toMillimetres, MILLIMETRES_PER_UNIT, type CloudStats } from './formats/stats';
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_POINTS } from './formats/options';
export { parseInWorker, startParseWorker, type ParseInWorkerOptions } from './formats/parse-in-worker';
export { createScanStore, ScanStoreError, EncryptedFileError, EncryptedFileReader, EncryptedFileWriter, listStoredFiles, reencryptFile, rekeyStoreFiles, whichKeyOpens, type ScanStore, type StoredFile, type RekeyProgress } from './store/index';
export { createImportService, type ImportService, type ImportJobState, type ImportRequest, type ImportActor } from './import/index';
export { recoverInterruptedImports, PENDING_NOTE } from './import/interrupted';
export { writeOctreeGeneration, removeOctreeGeneration, octreePrefixOf, type OctreeAttributeValues } from './import/reindex';
export { createScanUploads, type ScanUploads, type ScanUpload } from './uploads';

/** Reads and parses a scan file on the calling thread (the CLI; use `parseInWorker` in the app). */
export async function readPointCloudFile(path: string, options: Omit<ReadPointCloudOptions, 'fileName'> = {}): Promise<PointCloud> {
  const bytes = await readFile(path);
  return readPointCloud(bytes, { ...options, fileName: basename(path) });
}
