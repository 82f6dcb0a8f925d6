/**
 * Tissue type of a wound-bed point from its colour, in CIELAB (D65): sRGB (0–255) → linear RGB
 * (IEC 61966-2-1 transfer curve) → XYZ (sRGB primaries, D65 white) → L*a*b*.
 *
 * Rules, first match wins (C* = √(a*² + b*²), h = atan2(b*, a*) in degrees, 0–360), with the
 * thresholds of TISSUE_THRESHOLDS:
 *
 * | class       | rule                                                            | typical colours                          |
 * |-------------|-----------------------------------------------------------------|------------------------------------------|
 * | eschar      | L* < 20, or L* < 50 and C* < 20, or L* < 40 and h ≥ 55°         | black, grey-black, dark brown/olive crust |
 * | slough      | 50° ≤ h ≤ 110° and b* ≥ 20                                      | yellow, cream, tan, ochre fibrin         |
 * | epithelium  | L* ≥ 78, or C* < 10, or L* ≥ 65 and C* < 35                     | pale pink, pearly new skin               |
 * | granulation | otherwise                                                       | beefy red, bright red, pink-red, dusky red |
 *
 * Checked on real wound photographs: hand-labelled patches of the FUSeg foot-ulcer images
 * (native-models/tissue/patches.json, tools/tissue-check/run.ts, tissue-fuseg.test.ts), where the
 * first rule set (L* ≥ 62 or C* < 20 → epithelium, L* < 35 → eschar) called a third of real
 * granulation epithelium or eschar. The check and its figures are in native-models/tissue/MODEL_CARD.md.
 * Photographs and scans are not colour-calibrated, so the split is a guide the nurse confirms on
 * the tissue map, not a histology result.
 */
import { TISSUE_TYPES } from '../../../common/assessments';

/** The classes, in index order (common/assessments.ts TISSUE_TYPES). */
export const TISSUE_CLASSES = TISSUE_TYPES;
export type TissueClass = (typeof TISSUE_CLASSES)[number];

export const GRANULATION = 0;
export const SLOUGH = 1;
export const ESCHAR = 2;
export const EPITHELIUM = 3;

/** The thresholds of the rules above (a rule set with a threshold of ±Infinity drops that clause). */
export interface TissueThresholds {
  /** Eschar: L* below this, whatever the colour. */
  escharDarkL: number;
  /** Eschar: L* below `escharGreyL` with chroma below `escharGreyC` (grey-black, dark grey-brown). */
  escharGreyL: number;
  escharGreyC: number;
  /** Eschar: L* below `escharBrownL` with hue at or above `escharBrownHue` (dark brown/olive crust). */
  escharBrownL: number;
  escharBrownHue: number;
  /** Slough: hue in [sloughHueMin, sloughHueMax] and b* at or above sloughMinB. */
  sloughHueMin: number;
  sloughHueMax: number;
  sloughMinB: number;
  /** Epithelium: L* at or above epitheliumL; or chroma below epitheliumGreyC; or L* ≥ epitheliumPaleL with chroma below epitheliumPaleC. */
  epitheliumL: number;
  epitheliumGreyC: number;
  epitheliumPaleL: number;
  epitheliumPaleC: number;
}

export const TISSUE_THRESHOLDS: Readonly<TissueThresholds> = {
  escharDarkL: 20,
  escharGreyL: 50,
  escharGreyC: 20,
  escharBrownL: 40,
  escharBrownHue: 55,
  sloughHueMin: 50,
  sloughHueMax: 110,
  sloughMinB: 20,
  epitheliumL: 78,
  epitheliumGreyC: 10,
  epitheliumPaleL: 65,
  epitheliumPaleC: 35,
};

/** D65 reference white (CIE 1931 2°), Y normalised to 1. */
const XN = 0.95047;
const YN = 1.0;
const ZN = 1.08883;

const LINEAR = new Float64Array(256);
for (let i = 0; i < 256; i++) {
  const c = i / 255;
  LINEAR[i] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

function labF(t: number): number {
  const d = 6 / 29;
  return t > d * d * d ? Math.cbrt(t) : t / (3 * d * d) + 4 / 29;
}

/** CIELAB (D65) of an sRGB colour with 0–255 channels. */
export function srgbToLab(r: number, g: number, b: number): [number, number, number] {
  const R = LINEAR[r & 255]!;
  const G = LINEAR[g & 255]!;
  const B = LINEAR[b & 255]!;
  const x = 0.4124564 * R + 0.3575761 * G + 0.1804375 * B;
  const y = 0.2126729 * R + 0.7151522 * G + 0.072175 * B;
  const z = 0.0193339 * R + 0.119192 * G + 0.9503041 * B;
  const fx = labF(x / XN);
  const fy = labF(y / YN);
  const fz = labF(z / ZN);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** Tissue class index of a CIELAB colour under `t` (the rules above). */
export function classifyLabWith(t: Readonly<TissueThresholds>, L: number, a: number, b: number): number {
  const chroma = Math.hypot(a, b);
  let hue = (Math.atan2(b, a) * 180) / Math.PI;
  if (hue < 0) hue += 360;
  if (L < t.escharDarkL || (L < t.escharGreyL && chroma < t.escharGreyC) || (L < t.escharBrownL && hue >= t.escharBrownHue)) return ESCHAR;
  if (hue >= t.sloughHueMin && hue <= t.sloughHueMax && b >= t.sloughMinB) return SLOUGH;
  if (L >= t.epitheliumL || chroma < t.epitheliumGreyC || (L >= t.epitheliumPaleL && chroma < t.epitheliumPaleC)) return EPITHELIUM;
  return GRANULATION;
}

/** Tissue class index (GRANULATION, SLOUGH, ESCHAR, EPITHELIUM) of a CIELAB colour, by the table above. */
export function classifyLab(L: number, a: number, b: number): number {
  return classifyLabWith(TISSUE_THRESHOLDS, L, a, b);
}

export function classifyRgb(r: number, g: number, b: number): number {
  const [L, A, B] = srgbToLab(r, g, b);
  return classifyLab(L, A, B);
}
