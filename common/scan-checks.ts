/**
 * What an import refuses as impossible and warns about as implausible (issue 21, point 4), shared
 * by the import service (main/scans/import), which enforces it, and the renderer, which checks
 * the Captured field before uploading and words the warning.
 *
 * - Captured time: a scan cannot be captured in the future (a few minutes of clock difference
 *   between a tablet and the workstation are allowed), nor before the patient was born.
 * - Extent: a wound scan covers a body part, so a scan whose largest side is far beyond the body
 *   part its wound is on (a room of 8.8 m × 4.2 m onto a heel) is held for the nurse to confirm
 *   before anything is stored; one under 3 mm across is almost always a file in other units.
 */
import { z } from 'zod';
import { epochMsSchema } from './records';

/** Clock difference between a tablet and the workstation that still counts as "now". */
export const CAPTURE_CLOCK_SLACK_MS = 10 * 60_000;

export const capturedAtSchema = epochMsSchema.refine((t) => t <= Date.now() + CAPTURE_CLOCK_SLACK_MS, 'A scan cannot be captured in the future');

/** Why a capture time is impossible for a patient born on `dateOfBirth` (YYYY-MM-DD), or null. */
export function captureTimeProblem(capturedAt: number, dateOfBirth: string | null, now = Date.now()): string | null {
  if (!Number.isFinite(capturedAt)) return 'Enter when the scan was captured';
  if (capturedAt > now + CAPTURE_CLOCK_SLACK_MS) return 'A scan cannot be captured in the future';
  if (dateOfBirth && capturedAt < Date.parse(`${dateOfBirth}T00:00:00Z`) - 14 * 3_600_000) return 'The scan would be captured before the patient was born';
  return null;
}

interface BodyPart {
  /** As it reads in a sentence: "far larger than a foot". */
  name: string;
  pattern: RegExp;
  /** The largest side a scan of a wound there plausibly has (mm). */
  maxMm: number;
}

/** Checked in order: the first whose words appear in the wound's body site applies. */
const BODY_PARTS: readonly BodyPart[] = [
  { name: 'a foot', pattern: /\b(heels?|foot|feet|toes?|hallux|ankles?|malleol\w*|plantar|soles?|metatars\w*|calcane\w*|achilles|forefoot|midfoot|hindfoot)\b/, maxMm: 400 },
  { name: 'a hand', pattern: /\b(hands?|fingers?|thumbs?|palms?|wrists?|digits?|knuckles?)\b/, maxMm: 300 },
  { name: 'a head', pattern: /\b(head|face|scalp|ears?|nose|cheeks?|chin|forehead|neck|occiput)\b/, maxMm: 400 },
  { name: 'a limb', pattern: /\b(legs?|shins?|calf|calves|knees?|tibia\w*|fibula\w*|thighs?|arms?|forearms?|elbows?|shoulders?|limbs?|stumps?|gaiter)\b/, maxMm: 1000 },
  { name: 'the trunk', pattern: /\b(sacr\w*|coccy\w*|buttocks?|glute\w*|hips?|ischi\w*|trochanter\w*|back|spine|abdom\w*|chest|breasts?|trunk|groin|perine\w*|flanks?|stern\w*|thora\w*)\b/, maxMm: 1000 },
];
const ANY_BODY_PART: BodyPart = { name: 'a body part', pattern: /.*/, maxMm: 1500 };
export const MIN_PLAUSIBLE_EXTENT_MM = 3;

export function bodyPartOf(bodySite: string): BodyPart {
  const site = bodySite.toLowerCase();
  return BODY_PARTS.find((p) => p.pattern.test(site)) ?? ANY_BODY_PART;
}

export const extentWarningSchema = z.object({
  code: z.enum(['EXTENT_TOO_LARGE', 'EXTENT_TOO_SMALL']),
  message: z.string(),
  /** The scan's sides in mm, largest first. */
  sidesMm: z.tuple([z.number(), z.number(), z.number()]),
  limitMm: z.number(),
});
export type ExtentWarning = z.infer<typeof extentWarningSchema>;

const trim = (v: string) => v.replace(/\.0$/, '');
const cm = (mm: number) => (mm >= 1000 ? `${trim((mm / 1000).toFixed(1))} m` : mm >= 10 ? `${trim((mm / 10).toFixed(1))} cm` : `${trim(mm.toFixed(1))} mm`);

/** A warning when a scan of `bbox` (mm) is implausible on a wound at `bodySite`; null when it fits. */
export function extentWarning(bbox: { min: readonly number[]; max: readonly number[] }, bodySite: string): ExtentWarning | null {
  const sides = [0, 1, 2].map((i) => Math.max(0, (bbox.max[i] ?? 0) - (bbox.min[i] ?? 0))).sort((a, b) => b - a) as [number, number, number];
  const part = bodyPartOf(bodySite);
  const size = `${cm(sides[0])} × ${cm(sides[1])}`;
  if (sides[0] > part.maxMm) {
    return { code: 'EXTENT_TOO_LARGE', sidesMm: sides, limitMm: part.maxMm, message: `This scan is ${size} — far larger than ${part.name} (a scan of a wound there is under ${cm(part.maxMm)}). Check that it is the right file for this wound.` };
  }
  if (sides[0] < MIN_PLAUSIBLE_EXTENT_MM) {
    return { code: 'EXTENT_TOO_SMALL', sidesMm: sides, limitMm: MIN_PLAUSIBLE_EXTENT_MM, message: `This scan is only ${size} across — smaller than any wound. The file may state the wrong units.` };
  }
  return null;
}
