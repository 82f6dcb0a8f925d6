/**
 * The check of the tissue colour rules on real photographs: labelled patches (a box of one tissue
 * in an image) are classified pixel by pixel, and each class's recall is the mean over its
 * patches of the share of pixels given that class (so a large patch does not outweigh the
 * others). Used by tissue-fuseg.test.ts and tools/tissue-check/run.ts.
 */
import { z } from 'zod';
import { TISSUE_CLASSES, classifyLabWith, srgbToLab, type TissueThresholds } from './tissue';

/** The first rule set, kept to compare against: L* ≥ 62 or C* < 20 → epithelium; L* < 35, or
 *  L* < 50 with C* < 20 → eschar; slough 60–110° with b* ≥ 15. */
export const FIRST_TISSUE_THRESHOLDS: Readonly<TissueThresholds> = {
  escharDarkL: 35,
  escharGreyL: 50,
  escharGreyC: 20,
  escharBrownL: -Infinity,
  escharBrownHue: Infinity,
  sloughHueMin: 60,
  sloughHueMax: 110,
  sloughMinB: 15,
  epitheliumL: 62,
  epitheliumGreyC: 20,
  epitheliumPaleL: Infinity,
  epitheliumPaleC: -Infinity,
};

export const tissuePatchSchema = z.object({
  image: z.string().regex(/^[\w-]+\.png$/),
  tissue: z.enum(TISSUE_CLASSES),
  box: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative(), z.number().int().positive(), z.number().int().positive()]),
  /** 'tuning': labelled before the thresholds were chosen while looking at them; 'held-out': labelled after, blind to the rules. */
  set: z.enum(['tuning', 'held-out']),
});
export type TissuePatch = z.infer<typeof tissuePatchSchema>;
export const tissuePatchFileSchema = z.object({ about: z.string(), dataset: z.string(), patches: z.array(tissuePatchSchema).min(1) });

/** RGBA pixels, 4 bytes each. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface PatchResult {
  patch: TissuePatch;
  /** Share of the patch's pixels given each class, in TISSUE_CLASSES order. */
  shares: number[];
}

export interface TissueCheck {
  patches: PatchResult[];
  /** Mean over a class's patches of the share given the right class (0–1), per class. */
  recall: Record<(typeof TISSUE_CLASSES)[number], number>;
  /** Where each class's pixels went (rows: labelled class; columns: given class), pixel counts. */
  confusion: number[][];
}

export function checkTissueRules(thresholds: Readonly<TissueThresholds>, patches: readonly TissuePatch[], image: (name: string) => RgbaImage): TissueCheck {
  const confusion = TISSUE_CLASSES.map(() => [0, 0, 0, 0]);
  const results: PatchResult[] = [];
  for (const patch of patches) {
    const im = image(patch.image);
    const [x0, y0, x1, y1] = patch.box;
    if (x1 > im.width || y1 > im.height || x0 >= x1 || y0 >= y1) throw new RangeError(`patch ${patch.image} ${patch.box.join(',')} is outside the ${im.width}×${im.height} image`);
    const counts = [0, 0, 0, 0];
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const i = 4 * (y * im.width + x);
        const [L, a, b] = srgbToLab(im.data[i]!, im.data[i + 1]!, im.data[i + 2]!);
        counts[classifyLabWith(thresholds, L, a, b)]!++;
      }
    }
    const n = (x1 - x0) * (y1 - y0);
    const row = confusion[TISSUE_CLASSES.indexOf(patch.tissue)]!;
    counts.forEach((c, k) => (row[k]! += c));
    results.push({ patch, shares: counts.map((c) => c / n) });
  }
  const recall = Object.fromEntries(
    TISSUE_CLASSES.map((t, k) => {
      const mine = results.filter((r) => r.patch.tissue === t);
      return [t, mine.length === 0 ? Number.NaN : mine.reduce((s, r) => s + r.shares[k]!, 0) / mine.length];
    }),
  ) as TissueCheck['recall'];
  return { patches: results, recall, confusion };
}
