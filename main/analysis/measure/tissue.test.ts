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
  it('granulation: beefy, bright, pink-red and dusky reds', () => {
    for (const rgb of [[200, 40, 50], [180, 30, 40], [230, 90, 90], [150, 45, 50], [220, 110, 120], [255, 130, 150], [90, 30, 35]] as [number, number, number][]) expect(name(rgb)).toBe('granulation');
  });
  it('slough: yellow, tan, cream', () => {
    for (const rgb of [[225, 205, 110], [190, 160, 110], [240, 230, 180], [200, 170, 60]] as [number, number, number][]) expect(name(rgb)).toBe('slough');
  });
  it('eschar: black, dark brown, dark grey', () => {
    for (const rgb of [[35, 30, 25], [100, 70, 40], [60, 60, 60], [20, 10, 10], [110, 60, 30]] as [number, number, number][]) expect(name(rgb)).toBe('eschar');
  });
  it('epithelium: pale pink and pearly', () => {
    for (const rgb of [[240, 175, 180], [250, 210, 205], [235, 190, 185], [255, 255, 255]] as [number, number, number][]) expect(name(rgb)).toBe('epithelium');
  });
  it('applies the thresholds at their boundaries', () => {
    const hue = (deg: number, c: number) => [c * Math.cos((deg * Math.PI) / 180), c * Math.sin((deg * Math.PI) / 180)] as const;
    const at = (L: number, deg: number, c: number) => TISSUE_CLASSES[classifyLab(L, ...hue(deg, c))];
    expect(at(19.9, 25, 40)).toBe('eschar'); // L* < 20
    expect(at(20.1, 25, 40)).toBe('granulation');
    expect(at(49.9, 25, 19.9)).toBe('eschar'); // L* < 50 and C* < 20
    expect(at(50.1, 25, 19.9)).toBe('granulation');
    expect(at(45, 25, 20.1)).toBe('granulation');
    expect(at(39.9, 56, 30)).toBe('eschar'); // L* < 40 and h ≥ 55°
    expect(at(39.9, 54, 30)).toBe('slough'); // below 55°: the slough rule
    expect(at(39.9, 45, 30)).toBe('granulation');
    expect(at(40.1, 56, 30)).toBe('slough');
    expect(at(60, 51, 40)).toBe('slough'); // 50° ≤ h ≤ 110°, b* ≥ 20
    expect(at(60, 49, 40)).toBe('granulation');
    expect(at(60, 109, 40)).toBe('slough');
    expect(at(60, 111, 40)).toBe('granulation');
    expect(at(70, 40, 30)).toBe('epithelium'); // b* ≈ 19 < 20, not slough: pale (L* ≥ 65, C* < 35) → epithelium
    expect(at(77.9, 20, 40)).toBe('granulation'); // L* ≥ 78 → epithelium
    expect(at(78.1, 20, 40)).toBe('epithelium');
    expect(at(64.9, 20, 30)).toBe('granulation'); // L* ≥ 65 and C* < 35
    expect(at(65.1, 20, 30)).toBe('epithelium');
    expect(at(65.1, 20, 35.1)).toBe('granulation');
    expect(at(55, 20, 9.9)).toBe('epithelium'); // C* < 10
  });
});
