/**
 * The tissue colour rules on real wound photographs: hand-labelled patches of the FUSeg foot-ulcer
 * images (native-models/tissue/patches.json; MODEL_CARD.md beside it explains how they were made
 * and what the check found). Needs the FUSeg images beside the repository
 * (../shared/datasets/fuseg, see SOURCE.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../segmentation/image-io';
import { TISSUE_THRESHOLDS } from './tissue';
import { FIRST_TISSUE_THRESHOLDS, checkTissueRules, tissuePatchFileSchema } from './tissue-check';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const images = join(repoRoot, '..', 'shared', 'datasets', 'fuseg', 'train', 'images');
const { patches } = tissuePatchFileSchema.parse(JSON.parse(readFileSync(join(repoRoot, 'native-models', 'tissue', 'patches.json'), 'utf8')));
const cache = new Map<string, ReturnType<typeof decodeImage>>();
const image = (name: string) => cache.get(name) ?? cache.set(name, decodeImage(readFileSync(join(images, name)))).get(name)!;

describe('tissue rules on real wound photographs (FUSeg, hand-labelled patches)', () => {
  it('covers every class from several photographs', () => {
    for (const t of ['granulation', 'slough', 'eschar', 'epithelium'] as const) {
      expect(new Set(patches.filter((p) => p.tissue === t).map((p) => p.image)).size, t).toBeGreaterThanOrEqual(5);
    }
  });

  it('calls granulation, slough and eschar what they are, and pale new skin epithelium', () => {
    const { recall, confusion } = checkTissueRules(TISSUE_THRESHOLDS, patches, image);
    expect(recall.granulation).toBeGreaterThan(0.8);
    expect(recall.slough).toBeGreaterThan(0.85);
    expect(recall.eschar).toBeGreaterThan(0.85);
    expect(recall.epithelium).toBeGreaterThan(0.7);
    // The issue's complaint: a visibly red bed read as epithelium ("granulation 44 %, epithelium 55 %").
    const granulation = confusion[0]!;
    expect(granulation[3]! / granulation.reduce((s, x) => s + x, 0)).toBeLessThan(0.05);
  });

  it('the first rule set fails the same check: it called a third of real granulation epithelium or eschar', () => {
    const { recall, confusion } = checkTissueRules(FIRST_TISSUE_THRESHOLDS, patches, image);
    expect(recall.granulation).toBeLessThan(0.7);
    const granulation = confusion[0]!;
    expect(granulation[3]! / granulation.reduce((s, x) => s + x, 0)).toBeGreaterThan(0.05);
  });
});
