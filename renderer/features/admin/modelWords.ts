/**
 * The wound model's figures in words (issue 21, point 12): what Dice and IoU on held-out
 * photographs mean for the nurse who relies on the outline. Only figures the manifest states
 * are described; each sentence keeps the figure it comes from.
 */
const pct = (v: number) => `${Math.round(v * 100)} %`;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1 ? v : null);

export function describeModelMetrics(metrics: Record<string, unknown> | null): string[] {
  if (!metrics) return ['The manifest states no test figures: check its outlines closely until you trust them.'];
  const images = typeof metrics['images'] === 'number' ? metrics['images'] : null;
  const unseen = `${images ? `${images} wound photographs` : 'wound photographs'} it never saw while it learned`;
  const out: string[] = [];
  const recall = num(metrics['recall'] ?? metrics['sensitivity']);
  const precision = num(metrics['precision']);
  const dice = num(metrics['datasetDice']);
  const meanDice = num(metrics['meanDice']);
  const iou = num(metrics['datasetIoU']);
  if (recall !== null) out.push(`It finds ${pct(recall)} of the wound area on ${unseen} (recall ${recall.toFixed(3)}).`);
  if (precision !== null) out.push(`Of what it marks as wound, ${pct(precision)} is wound (precision ${precision.toFixed(3)}).`);
  if (dice !== null) out.push(`On ${unseen}, the area it marks as wound and the area clinicians marked agree at ${pct(dice)} over all the photographs (Dice ${dice.toFixed(3)}).`);
  if (meanDice !== null) out.push(`Photograph by photograph the agreement averages ${pct(meanDice)} (mean Dice ${meanDice.toFixed(3)}): on some wounds it is much lower, so always check the outline before saving.`);
  if (iou !== null) out.push(`Of the area either of them marked, ${pct(iou)} was marked by both (IoU ${iou.toFixed(3)}).`);
  if (out.length === 0) out.push('The manifest states figures this screen does not know; they are listed below.');
  return out;
}
