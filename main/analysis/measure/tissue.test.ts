import { describe, expect, it } from 'vitest';
import { TISSUE_CLASSES, classifyLab, classifyRgb, srgbToLab } from './tissue';

const name = (rgb: [number, number, number]) => TISSUE_CLASSES[classifyRgb(...rgb)];

describe('sRGB → CIELAB (D65)', () => {
  it('matches reference values', () => {
    // Reference values from the CIE formulae (sRGB primaries, D65 white).
    const cases: [[number, number, number], [number, number, number]][] = [
      [[255, 255, 255], [100, 0, 0]],
      [[0, 0, 0], [0, 0, 0]],
      [[255, 0, 0], [53.24, 80.09, 67.2]],
      [[0, 255, 0], [87.73, -86.18, 83.18]],
      [[0, 0, 255], [32.3, 79.19, -107.86]],
      [[128, 128, 128], [53.59, 0, 0]],
    ];
    for (const [rgb, lab] of cases) {
      const got = srgbToLab(...rgb);
      for (let k = 0; k < 3; k++) expect(got[k]).toBeCloseTo(lab[k]!, 1);
    }
  });
});

describe('tissue classes from colour (the table in tissue.ts)', () => {
  it('granulation: beefy and bright reds', () => {
    for (const rgb of [[200, 40, 50], [180, 30, 40], [230, 90, 90], [150, 45, 50]] as [number, number, number][]) expect(name(rgb)).toBe('granulation');
  });
  it('slough: yellow, tan, cream', () => {
    for (const rgb of [[225, 205, 110], [190, 160, 110], [240, 230, 180], [200, 170, 60]] as [number, number, number][]) expect(name(rgb)).toBe('slough');
  });
  it('eschar: black, dark brown, dark grey', () => {
    for (const rgb of [[35, 30, 25], [100, 70, 40], [60, 60, 60], [20, 10, 10]] as [number, number, number][]) expect(name(rgb)).toBe('eschar');
  });
  it('epithelium: pink and pale pink', () => {
    for (const rgb of [[240, 175, 180], [255, 130, 150], [250, 210, 205], [255, 255, 255]] as [number, number, number][]) expect(name(rgb)).toBe('epithelium');
  });
  it('applies the thresholds at their boundaries', () => {
    expect(TISSUE_CLASSES[classifyLab(34.9, 40, 20)]).toBe('eschar'); // L* < 35
    expect(TISSUE_CLASSES[classifyLab(35.1, 40, 20)]).toBe('granulation');
    expect(TISSUE_CLASSES[classifyLab(45, 10, 10)]).toBe('eschar'); // L* < 50 and C* < 20
    expect(TISSUE_CLASSES[classifyLab(55, 10, 10)]).toBe('epithelium'); // C* < 20
    const hue = (deg: number, c: number) => [c * Math.cos((deg * Math.PI) / 180), c * Math.sin((deg * Math.PI) / 180)] as const;
    expect(TISSUE_CLASSES[classifyLab(60, ...hue(61, 40))]).toBe('slough'); // 60° ≤ h ≤ 110°, b* ≥ 15
    expect(TISSUE_CLASSES[classifyLab(60, ...hue(59, 40))]).toBe('granulation');
    expect(TISSUE_CLASSES[classifyLab(60, ...hue(109, 40))]).toBe('slough');
    expect(TISSUE_CLASSES[classifyLab(60, ...hue(111, 40))]).toBe('granulation');
    expect(TISSUE_CLASSES[classifyLab(61.9, 50, 10)]).toBe('granulation'); // L* ≥ 62 → epithelium
    expect(TISSUE_CLASSES[classifyLab(62.1, 50, 10)]).toBe('epithelium');
  });
});
