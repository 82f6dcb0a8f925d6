/**
 * Evaluates the wound model on the validation split of `split.json` through the app's own
 * inference path (preprocess.ts → onnxruntime-node → postprocess), the FUSeg way: masks at the
 * original 512 × 512, Dice over the pooled pixels of the whole split, plus the mean per-image Dice
 * and the count of images whose Dice is under 0.1.
 *
 *   nice -n 19 npx tsx tools/wound-eval/evaluate.ts [--model native-models/wound-seg/model.json]
 *          [--plain] [--sweep] [--json out.json]
 *
 * --plain evaluates one forward pass with threshold 0.5 and no post-processing (the definition
 * PyTorch's figures in the model card and parity.json use); by default the manifest's
 * `postprocess` block (test-time flips, threshold, small-component removal, fallback) is applied
 * exactly as the app applies it. --sweep caches the four flip maps per image once and prints
 * pooled / mean / <0.1 for a grid of post-processing settings (used to choose them; see
 * MODEL_CARD.md on the risk of fitting the validation split).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage } from '../../main/analysis/segmentation/image-io';
import { loadModel } from '../../main/analysis/segmentation/manifest';
import { DEFAULT_POSTPROCESS, flipVariants, postprocessMask, predictMap, type Postprocess } from '../../main/analysis/segmentation/postprocess';
import { fromModelOutput, toModelInput } from '../../main/analysis/segmentation/preprocess';
import { openSession, runSession } from '../../main/analysis/segmentation/session';

const root = join(import.meta.dirname, '..', '..');
const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const manifestPath = flag('model') ?? join(root, 'native-models', 'wound-seg', 'model.json');
const dataDir = join(root, '..', 'shared', 'datasets', 'fuseg', 'train');
const split = JSON.parse(readFileSync(join(root, 'native-models', 'training', 'split.json'), 'utf8')) as { val: string[] };

interface Score { dice: number; inter: number; pred: number; gt: number }

function score(mask: Uint8Array, gt: Uint8Array): Score {
  let inter = 0;
  let pred = 0;
  let g = 0;
  for (let i = 0; i < mask.length; i++) {
    const p = mask[i]! > 0;
    const t = gt[i]! > 0;
    if (p) pred++;
    if (t) g++;
    if (p && t) inter++;
  }
  return { dice: pred + g === 0 ? 1 : (2 * inter) / (pred + g), inter, pred, gt: g };
}

export function summarise(scores: Score[]) {
  let inter = 0;
  let sum = 0;
  for (const s of scores) {
    inter += s.inter;
    sum += s.pred + s.gt;
  }
  const dices = scores.map((s) => s.dice).sort((a, b) => a - b);
  const ious = scores.map((s) => (s.pred + s.gt - s.inter === 0 ? 1 : s.inter / (s.pred + s.gt - s.inter)));
  return {
    images: scores.length,
    pooledDice: +((2 * inter) / Math.max(sum, 1)).toFixed(4),
    meanDice: +(dices.reduce((a, b) => a + b, 0) / dices.length).toFixed(4),
    medianDice: +dices[Math.floor(dices.length / 2)]!.toFixed(4),
    pooledIoU: +(inter / Math.max(sum - inter, 1)).toFixed(4),
    meanIoU: +(ious.reduce((a, b) => a + b, 0) / ious.length).toFixed(4),
    under01: dices.filter((d) => d < 0.1).length,
  };
}

async function main() {
  const model = await loadModel(manifestPath);
  const open = await openSession(model, { providers: ['cpu'], threads: 1 });
  const m = model.manifest;
  const images = split.val.map((file) => {
    const img = decodeImage(readFileSync(join(dataDir, 'images', file)));
    const lab = decodeImage(readFileSync(join(dataDir, 'labels', file)));
    const gt = new Uint8Array(lab.width * lab.height);
    for (let i = 0; i < gt.length; i++) gt[i] = lab.data[i * 4]! > 127 ? 1 : 0;
    return { file, img, gt };
  });
  const run = (input: Float32Array) => runSession(open, input, m.input.shape);

  if (!argv.includes('--sweep')) {
    const plain = argv.includes('--plain');
    const pp: Postprocess = plain ? DEFAULT_POSTPROCESS : (m.postprocess ?? DEFAULT_POSTPROCESS);
    const threshold = plain ? 0.5 : m.threshold;
    const scores: (Score & { file: string })[] = [];
    for (const { file, img, gt } of images) {
      const input = toModelInput(img.data, img.width, img.height, m.input);
      const out = await predictMap(run, input, m.input.shape, pp.flips);
      const res = fromModelOutput(out.map, out.height, out.width, img.width, img.height, { meaning: m.output.meaning, threshold, withProbability: true });
      const mask = postprocessMask(res.mask, res.probability!, img.width, img.height, pp);
      scores.push({ file, ...score(mask, gt) });
    }
    const summary = { model: `${m.name} ${m.version}`, threshold, postprocess: pp, ...summarise(scores) };
    console.log(JSON.stringify(summary));
    const out = flag('json');
    if (out) writeFileSync(out, JSON.stringify({ ...summary, perImage: scores.map((s) => ({ file: s.file, dice: +s.dice.toFixed(6), gtPixels: s.gt })) }, null, 1) + '\n');
    await open.session.release();
    return;
  }

  // Sweep: the flip maps once per image, then every setting from them.
  const variants = flipVariants(4);
  const cache = [];
  for (const { img, gt } of images) {
    const input = toModelInput(img.data, img.width, img.height, m.input);
    const maps = [];
    for (const v of variants) maps.push((await predictMap(run, input, m.input.shape, [v])).map);
    cache.push({ img, gt, maps, h: 256, w: 256 });
  }
  const mean = (maps: Float32Array[], how: 'logit' | 'prob') => {
    const out = new Float32Array(maps[0]!.length);
    for (let i = 0; i < out.length; i++) {
      let s = 0;
      for (const mp of maps) s += how === 'logit' ? mp[i]! : 1 / (1 + Math.exp(-mp[i]!));
      s /= maps.length;
      out[i] = how === 'logit' ? s : Math.log(Math.max(s, 1e-7) / Math.max(1 - s, 1e-7));
    }
    return out;
  };
  const sweepFlips = (flag('flips') ?? '1,2,4').split(',').map(Number);
  for (const nflips of sweepFlips) {
    for (const how of (flag('how') ?? 'logit').split(',') as ('logit' | 'prob')[]) {
      if (nflips === 1 && how === 'prob') continue;
      const probs = cache.map((c) => {
        const map = nflips === 1 ? c.maps[0]! : mean(c.maps.slice(0, nflips), how);
        return fromModelOutput(map, c.h, c.w, c.img.width, c.img.height, { meaning: 'logits', threshold: 0.5, withProbability: true }).probability!;
      });
      for (const threshold of (flag('thresholds') ?? '0.4,0.5,0.6').split(',').map(Number)) {
        for (const minFraction of (flag('min-fractions') ?? '0,0.0005').split(',').map(Number)) {
          for (const fallback of (flag('fallbacks') ?? '0,0.1').split(',').map(Number)) {
            const pp: Postprocess = { flips: nflips as 1 | 2 | 4, minComponentFraction: minFraction, fallbackThreshold: fallback };
            const scores = cache.map((c, k) => {
              const p = probs[k]!;
              const mask = new Uint8Array(p.length);
              for (let i = 0; i < p.length; i++) mask[i] = p[i]! > threshold ? 255 : 0;
              return score(postprocessMask(mask, p, c.img.width, c.img.height, pp), c.gt);
            });
            console.log(JSON.stringify({ how, threshold, ...pp, ...summarise(scores) }));
          }
        }
      }
    }
  }
  await open.session.release();
}

await main();
