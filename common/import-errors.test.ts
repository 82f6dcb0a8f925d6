import { describe, expect, it } from 'vitest';
import { importErrorWords } from './import-errors';

describe('import errors in a nurse’s words (issue 21 point 6)', () => {
  it('a photo says so, and keeps the technical detail for a click away', () => {
    const words = importErrorWords({ code: 'NOT_A_SCAN', detected: 'photo', format: 'unknown', offset: 0, message: 'UNKNOWN at byte 0: a JPEG photo, not a 3D scan [NOT_A_SCAN]' });
    expect(words.headline).toBe('This is a photo, not a 3D scan.');
    expect(words.advice).toMatch(/PLY, LAS, LAZ, E57/);
    expect(words.detail).toBe('NOT_A_SCAN · byte 0: UNKNOWN at byte 0: a JPEG photo, not a 3D scan [NOT_A_SCAN]');
  });

  it('every reader code has words without jargon; the detail names format and offset', () => {
    for (const code of ['UNKNOWN_FORMAT', 'UNSUPPORTED', 'TRUNCATED', 'COUNT_MISMATCH', 'BAD_HEADER', 'BAD_VALUE', 'BAD_CHECKSUM', 'TOO_LARGE', 'EMPTY_SCAN', 'NOT_FOUND', 'CANCELLED']) {
      const w = importErrorWords({ code, format: 'ply', offset: 5000, message: `PLY at byte 5000: reason [${code}]` });
      expect(w.headline).not.toMatch(/byte|PLY|\[|_/);
      expect(w.detail).toBe(`${code} · PLY · byte 5000: PLY at byte 5000: reason [${code}]`);
    }
    expect(importErrorWords({ code: 'TRUNCATED', message: 'x' }).headline).toMatch(/cut off while it was copied/);
  });

  it('a text file’s error names its line in the detail, after the byte offset (issue 20)', () => {
    const w = importErrorWords({ code: 'BAD_VALUE', format: 'xyz', offset: 42, line: 3, message: 'XYZ at byte 42 (line 3): row has 2 numbers, expected at least 3 [BAD_VALUE]' });
    expect(w.headline).toBe('The scan file is damaged and cannot be read.');
    expect(w.detail).toBe('BAD_VALUE · XYZ · byte 42 · line 3: XYZ at byte 42 (line 3): row has 2 numbers, expected at least 3 [BAD_VALUE]');
  });

  it('the capture and extent checks keep their own sentence (with the sizes); an unknown code still reads as a sentence', () => {
    expect(importErrorWords({ code: 'EXTENT_TOO_LARGE', message: 'This scan is 9.8 m × 8.8 m — far larger than a foot.' }).headline).toBe('This scan is 9.8 m × 8.8 m — far larger than a foot.');
    expect(importErrorWords({ code: 'CAPTURED_IN_FUTURE', message: 'A scan cannot be captured in the future' }).advice).toMatch(/Captured/);
    expect(importErrorWords({ code: 'INTERNAL', message: 'the import failed unexpectedly' }).headline).toBe('The scan could not be imported.');
  });
});
