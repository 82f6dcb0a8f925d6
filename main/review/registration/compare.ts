/**
 * Two visits of a wound compared in 3D: register the later scan onto the earlier one on the skin
 * (register.ts), then measure the later wound's surface against the earlier one (change-map.ts).
 */
import { computeChangeMap, type ChangeMap } from './change-map';
import { createOutlineMask } from './outline-mask';
import { registerScans, type RegistrationOptions, type RegistrationResult, type ScanForRegistration } from './register';
import { apply, invert, rotate, type Vec3 } from './rigid';

export interface Comparison {
  registration: Omit<RegistrationResult, 'laterWound' | 'earlierWound' | 'earlierRegion'>;
  change: ChangeMap;
  timings: { stage: string; ms: number }[];
}

export interface CompareOptions extends RegistrationOptions {
  onChangeProgress?(fraction: number): void;
  maxChangePoints?: number;
}

export function compareScans(earlier: ScanForRegistration, later: ScanForRegistration, options: CompareOptions = {}): Comparison {
  const registration = registerScans(earlier, later, options);
  const started = performance.now();
  const toLater = invert(registration.transform);
  const outwardLater = rotate(toLater, registration.earlierFrame.outward);
  const depth = Math.max(15, 2 * registration.earlierFrame.radius);
  const never = () => false;
  const laterOutline = later.outline && later.outline.length >= 3 ? createOutlineMask(later.outline, outwardLater, 0, depth) : null;
  const earlierOutline = earlier.outline && earlier.outline.length >= 3 ? createOutlineMask(earlier.outline.map((p) => apply(toLater, p[0], p[1], p[2]) as Vec3), outwardLater, 0, depth) : null;
  const change = computeChangeMap(
    {
      positions: later.positions,
      count: later.count,
      insideLaterOutline: laterOutline ? laterOutline.contains : never,
      insideEarlierOutline: earlierOutline ? earlierOutline.contains : never,
    },
    registration,
    { ...(options.onChangeProgress ? { onProgress: options.onChangeProgress } : {}), ...(options.maxChangePoints ? { maxPoints: options.maxChangePoints } : {}) },
  );
  const { laterWound: _l, earlierWound: _e, earlierRegion: _r, ...summary } = registration;
  const timings = [...registration.timings, { stage: `change map (${change.measured} points)`, ms: performance.now() - started }];
  return { registration: { ...summary, timings }, change, timings };
}
