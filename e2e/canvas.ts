/** Reading the 3D view's pixels in e2e tests: colours the overlay draws, and where the phantom's wound lies. */
import type { Locator } from '@playwright/test';
import { PNG } from 'pngjs';
import { expect } from './fixtures';

export async function countPixels(canvas: Locator, match: (r: number, g: number, b: number) => boolean): Promise<number> {
  const png = PNG.sync.read(await canvas.screenshot());
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4) if (match(png.data[i]!, png.data[i + 1]!, png.data[i + 2]!)) n++;
  return n;
}
export const outlineCyan = (r: number, g: number, b: number) => r < 80 && g > 190 && b > 210;
export const heatBlue = (r: number, g: number, b: number) => r < 90 && g < 130 && b > 190;
/** The tissue map's slough yellow (255, 220, 0), unlike the phantom's own slough (225, 205, 110). */
export const mapYellow = (r: number, g: number, b: number) => r > 225 && g > 190 && b < 60;

/** The wound bed on the canvas (the phantom's red and yellow tissue), CSS pixels: its centre and half extents. */
export async function woundBox(canvas: Locator): Promise<{ cx: number; cy: number; halfW: number; halfH: number }> {
  const box = (await canvas.boundingBox())!;
  const png = PNG.sync.read(await canvas.screenshot());
  const s = png.width / box.width;
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const i = 4 * (y * png.width + x);
      const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
      // By ratio, not level: eye-dome lighting darkens the skin's edges (210, 170, 150) but keeps its hue.
      const red = r > 120 && g < 0.45 * r && b < 0.5 * r;
      const yellow = r > 150 && g > 0.75 * r && b < 0.6 * r;
      if (!red && !yellow) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  expect(x1 - x0, 'wound bed on the canvas').toBeGreaterThan(40);
  return { cx: (x0 + x1) / 2 / s, cy: (y0 + y1) / 2 / s, halfW: (x1 - x0) / 2 / s, halfH: (y1 - y0) / 2 / s };
}

/** The rightmost vertex handle of the outline: a white dot touching the cyan line (CSS pixels in the canvas). */
export async function rightmostHandle(canvas: Locator): Promise<{ x: number; y: number }> {
  const box = (await canvas.boundingBox())!;
  const png = PNG.sync.read(await canvas.screenshot());
  const s = png.width / box.width;
  const at = (x: number, y: number) => 4 * (y * png.width + x);
  const cyanNear = (x: number, y: number) => {
    for (let dy = -6; dy <= 6; dy++) for (let dx = -6; dx <= 6; dx++) {
      const xx = x + dx;
      const yy = y + dy;
      if (xx < 0 || yy < 0 || xx >= png.width || yy >= png.height) continue;
      const i = at(xx, yy);
      if (outlineCyan(png.data[i]!, png.data[i + 1]!, png.data[i + 2]!)) return true;
    }
    return false;
  };
  let best = { x: -1, y: -1 };
  for (let y = 0; y < png.height; y++) {
    for (let x = png.width - 1; x > best.x; x--) {
      const i = at(x, y);
      if (png.data[i]! > 245 && png.data[i + 1]! > 245 && png.data[i + 2]! > 245 && cyanNear(x, y)) {
        best = { x, y };
        break;
      }
    }
  }
  expect(best.x, 'a vertex handle on the canvas').toBeGreaterThan(0);
  return { x: best.x / s - 3, y: best.y / s };
}

