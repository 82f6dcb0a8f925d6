/** What a file's free-text comments say about where it came from and its length unit. */
import type { LengthUnit } from '../../../common/point-cloud';

const APP_PATTERNS: RegExp[] = [
  /^(?:created|generated|exported|written|made|saved)\s+(?:by|with|using)\s+(.+)$/i,
  /^(?:author|software|generator|application|app|source|producer)\s*[:=]\s*(.+)$/i,
  /^(.+?)\s+(?:generated|export)$/i,
];
const DEVICE_PATTERN = /^(?:device|scanner|device model|camera model|hardware)\s*[:=]\s*(.+)$/i;

export function sourceFromComments(comments: readonly string[]): { app?: string; device?: string } {
  let app: string | undefined;
  let device: string | undefined;
  for (const raw of comments) {
    const comment = raw.trim();
    if (!app) {
      for (const pattern of APP_PATTERNS) {
        const m = pattern.exec(comment);
        if (m?.[1] && /[a-z]/i.test(m[1])) {
          app = m[1].replace(/[!.\s]+$/, '').slice(0, 120);
          break;
        }
      }
    }
    if (!device) {
      const m = DEVICE_PATTERN.exec(comment);
      if (m?.[1]) device = m[1].trim().slice(0, 120);
    }
  }
  const result: { app?: string; device?: string } = {};
  if (app) result.app = app;
  if (device) result.device = device;
  return result;
}

const UNIT_WORDS: Array<[RegExp, LengthUnit]> = [
  [/^(?:mm|millimet(?:er|re)s?)$/i, 'mm'],
  [/^(?:cm|centimet(?:er|re)s?)$/i, 'cm'],
  [/^(?:m|met(?:er|re)s?)$/i, 'm'],
  [/^(?:in|inch|inches)$/i, 'in'],
  [/^(?:us[-_ ]?(?:survey[-_ ]?)?(?:ft|feet|foot))$/i, 'us-ft'],
  [/^(?:ft|feet|foot)$/i, 'ft'],
];

/** A unit named by a comment such as "units mm" or "unit: meters"; undefined when none does. */
export function unitsFromComments(comments: readonly string[]): LengthUnit | undefined {
  for (const comment of comments) {
    const m = /^\s*(?:length\s+)?units?\s*[:=]?\s*([a-z][a-z _-]*?)\s*$/i.exec(comment);
    if (!m) continue;
    const unit = parseUnitWord(m[1]!);
    if (unit) return unit;
  }
  return undefined;
}

export function parseUnitWord(word: string): LengthUnit | undefined {
  for (const [pattern, unit] of UNIT_WORDS) if (pattern.test(word.trim())) return unit;
  return undefined;
}
