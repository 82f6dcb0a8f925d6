import { describe, expect, it } from 'vitest';
import { describeModelMetrics } from './modelWords';

describe('the wound model in words (issue 21 point 12)', () => {
  it('says what the bundled model’s held-out figures mean, keeping each figure', () => {
    const words = describeModelMetrics({ split: 'validation', images: 119, meanDice: 0.7434, meanIoU: 0.6495, datasetDice: 0.8174, datasetIoU: 0.6912 });
    expect(words).toEqual([
      'On 119 wound photographs it never saw while it learned, the area it marks as wound and the area clinicians marked agree at 82 % over all the photographs (Dice 0.817).',
      'Photograph by photograph the agreement averages 74 % (mean Dice 0.743): on some wounds it is much lower, so always check the outline before saving.',
      'Of the area either of them marked, 69 % was marked by both (IoU 0.691).',
    ]);
  });

  it('uses recall when a manifest states it ("finds 84 % of wound area"), and says when there are no figures', () => {
    expect(describeModelMetrics({ images: 40, recall: 0.84 })[0]).toBe('It finds 84 % of the wound area on 40 wound photographs it never saw while it learned (recall 0.840).');
    expect(describeModelMetrics(null)[0]).toMatch(/no test figures/);
    expect(describeModelMetrics({ auc: 0.9 })[0]).toMatch(/does not know/);
  });
});
