/**
 * Why a scan was not imported, in the words a nurse uses (issue 21, point 6). The job's own error
 * (code, technical message, format, byte offset) stays one click away as the detail; this is the
 * sentence shown first. Shared by the wound's scan panel and the Incoming scans list.
 */
export interface ImportErrorLike {
  code: string;
  message: string;
  format?: string | undefined;
  offset?: number | undefined;
  /** Text formats: the line of the file the offset lies on. */
  line?: number | undefined;
  /** What a file that is not a scan was recognised as (photo, video, pdf, archive, dicom, document). */
  detected?: string | undefined;
}

export interface ImportErrorWords {
  /** One sentence: what happened. */
  headline: string;
  /** What to do about it. */
  advice: string;
  /** The technical detail (code, format, byte offset, line, reason) for IT or a bug report. */
  detail: string;
}

const SCAN_FILES = 'Choose the 3D scan file the tablet or scanner exported (PLY, LAS, LAZ, E57, XYZ, PTS or OBJ).';

const NOT_A_SCAN: Record<string, string> = {
  photo: 'This is a photo, not a 3D scan.',
  video: 'This is a video, not a 3D scan.',
  pdf: 'This is a PDF document, not a 3D scan.',
  archive: 'This is a compressed archive (such as a ZIP), not a 3D scan.',
  dicom: 'This is a DICOM image, not a 3D scan.',
  document: 'This is an Office document, not a 3D scan.',
};

const BY_CODE: Record<string, { headline: string; advice: string }> = {
  UNKNOWN_FORMAT: { headline: 'This file is not a 3D scan this workstation can read.', advice: SCAN_FILES },
  UNSUPPORTED: { headline: 'This kind of scan file is not supported.', advice: `Export the scan again in another format. ${SCAN_FILES}` },
  TRUNCATED: { headline: 'The scan file is incomplete: it was probably cut off while it was copied.', advice: 'Copy or send the scan from the tablet again.' },
  COUNT_MISMATCH: { headline: 'The scan file is damaged: it holds fewer points than it says.', advice: 'Copy or send the scan from the tablet again.' },
  BAD_HEADER: { headline: 'The scan file is damaged and cannot be read.', advice: 'Export the scan from the tablet again.' },
  BAD_VALUE: { headline: 'The scan file is damaged and cannot be read.', advice: 'Export the scan from the tablet again.' },
  BAD_CHECKSUM: { headline: 'The scan file is damaged: part of it does not match its checksum.', advice: 'Copy or send the scan from the tablet again.' },
  TOO_LARGE: { headline: 'The scan is too large to import on this workstation.', advice: 'Export it with fewer points (a lower resolution) and import that.' },
  EMPTY_SCAN: { headline: 'The scan holds no points: it is empty.', advice: 'Check the scan on the tablet and send it again.' },
  CAPTURED_INVALID: { headline: 'The scan does not say when it was captured.', advice: 'Enter the Captured time and import again.' },
  CAPTURED_IN_FUTURE: { headline: 'The capture time is in the future.', advice: 'Correct the Captured time and import again.' },
  CAPTURED_BEFORE_BIRTH: { headline: 'The capture time is before the patient was born.', advice: 'Correct the Captured time, or check that this is the right patient.' },
  EXTENT_TOO_LARGE: { headline: 'This scan is far larger than the body part of this wound.', advice: 'Check that it is the right file for this wound before importing it.' },
  EXTENT_TOO_SMALL: { headline: 'This scan is smaller than any wound.', advice: 'The file may state the wrong units; check it with the tablet app.' },
  NOT_FOUND: { headline: 'The wound is no longer in the record.', advice: 'Reopen the patient and choose the wound again.' },
  CANCELLED: { headline: 'The import was cancelled.', advice: 'Nothing was saved.' },
};

export function importErrorWords(error: ImportErrorLike): ImportErrorWords {
  const detailParts = [error.code];
  if (error.format && error.format !== 'unknown') detailParts.push(error.format.toUpperCase());
  if (error.offset !== undefined) detailParts.push(`byte ${error.offset}`);
  if (error.line !== undefined) detailParts.push(`line ${error.line}`);
  const detail = `${detailParts.join(' · ')}: ${error.message}`;
  if (error.code === 'NOT_A_SCAN') {
    return { headline: NOT_A_SCAN[error.detected ?? ''] ?? 'This file is not a 3D scan.', advice: SCAN_FILES, detail };
  }
  // The capture and extent checks already speak in whole sentences; keep their numbers.
  const known = BY_CODE[error.code];
  if (error.code.startsWith('EXTENT_') || error.code.startsWith('CAPTURED_')) return { headline: error.message, advice: known?.advice ?? '', detail };
  return { ...(known ?? { headline: 'The scan could not be imported.', advice: 'Try again; if it fails again, give IT the details below.' }), detail };
}
