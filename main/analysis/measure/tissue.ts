/**
 * Tissue type of a wound-bed point from its colour, in CIELAB (D65): sRGB (0–255) → linear RGB
 * (IEC 61966-2-1 transfer curve) → XYZ (sRGB primaries, D65 white) → L*a*b*.
 *
 * Rules, first match wins (C* = √(a*² + b*²), h = atan2(b*, a*) in degrees, 0–360):
 *
 * | class       | rule                                                   | typical colours                         |
 * |-------------|--------------------------------------------------------|-----------------------------------------|
 * | eschar      | L* < 35, or L* < 50 and C* < 20                        | black, dark brown, dark grey necrosis   |
 * | slough      | 60° ≤ h ≤ 110° and b* ≥ 15                             | yellow, cream, tan, ochre fibrin        |
 * | epithelium  | L* ≥ 62, or C* < 20                                    | pink, pale pink, pearly new skin        |
 * | granulation | otherwise (mid lightness, red to orange-red hues)      | beefy red, bright red, dark pink-red    |
 *
 * The thresholds follow the red/yellow/black wound-colour model used in wound-care practice and
 * are checked against reference colours in `tissue.test.ts`. Images are not colour-calibrated, so
 * the split is a guide for the clinician, not a histology result.
 */
export const TISSUE_CLASSES = ['granulation', 'slough', 'eschar', 'epithelium'] as const;
export type TissueClass = (typeof TISSUE_CLASSES)[number];

export const GRANULATION = 0;
export const SLOUGH = 1;
export const ESCHAR = 2;
export const EPITHELIUM = 3;

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

/** Tissue class index (GRANULATION, SLOUGH, ESCHAR, EPITHELIUM) of a CIELAB colour, by the table above. */
export function classifyLab(L: number, a: number, b: number): number {
  const chroma = Math.hypot(a, b);
  if (L < 35 || (L < 50 && chroma < 20)) return ESCHAR;
  let hue = (Math.atan2(b, a) * 180) / Math.PI;
  if (hue < 0) hue += 360;
  if (hue >= 60 && hue <= 110 && b >= 15) return SLOUGH;
  if (L >= 62 || chroma < 20) return EPITHELIUM;
  return GRANULATION;
}

export function classifyRgb(r: number, g: number, b: number): number {
  const [L, A, B] = srgbToLab(r, g, b);
  return classifyLab(L, A, B);
}
