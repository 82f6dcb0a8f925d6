/**
 * Prints the check of the tissue colour rules on the FUSeg photographs (native-models/tissue/
 * MODEL_CARD.md quotes its output):
 *   npx tsx tools/tissue-check/run.ts [--all]
 * - per labelled patch (native-models/tissue/patches.json): the share of its pixels given each
 *   class, under the rules in use and under the first rule set;
 * - per class: recall (mean over its patches);
 * - with --all: the tissue shares of every wound pixel of the 810 expert masks (about a minute).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TISSUE_CLASSES, TISSUE_THRESHOLDS, classifyLabWith, srgbToLab, type TissueThresholds } from '../../main/analysis/measure/tissue';
import { FIRST_TISSUE_THRESHOLDS, checkTissueRules, tissuePatchFileSchema } from '../../main/analysis/measure/tissue-check';
import { decodeImage } from '../../main/analysis/segmentation/image-io';

const { values } = parseArgs({ options: { all: { type: 'boolean', default: false } } });
const root = join(import.meta.dirname, '..', '..');
const fuseg = join(root, '..', 'shared', 'datasets', 'fuseg', 'train');
const { patches } = tissuePatchFileSchema.parse(JSON.parse(readFileSync(join(root, 'native-models', 'tissue', 'patches.json'), 'utf8')));
const cache = new Map<string, ReturnType<typeof decodeImage>>();
const image = (name: string) => cache.get(name) ?? cache.set(name, decodeImage(readFileSync(join(fuseg, 'images', name)))).get(name)!;

const pct = (x: number) => `${Math.round(100 * x)}`.padStart(3);
const rules: [string, Readonly<TissueThresholds>][] = [
  ['in use', TISSUE_THRESHOLDS],
  ['first', FIRST_TISSUE_THRESHOLDS],
];
const checks = rules.map(([, t]) => checkTissueRules(t, patches, image));

console.log(`patch                          label    set      shares g/s/e/ep: ${rules.map(([n]) => n.padEnd(16)).join('')}`);
patches.forEach((p, i) => {
  const cells = checks.map((c) => c.patches[i]!.shares.map(pct).join('/').padEnd(16));
  console.log(`${p.image} ${p.box.join(',').padEnd(18)} ${p.tissue.padEnd(12)} ${p.set.padEnd(9)}        ${cells.join('')}`);
});
for (const set of ['tuning', 'held-out', undefined] as const) {
  const subset = set ? patches.filter((p) => p.set === set) : patches;
  console.log(`\nrecall (mean over patches), ${set ?? 'all'} patches (${subset.length})`);
  rules.forEach(([name, t]) => {
    const c = checkTissueRules(t, subset, image);
    const granulationPx = c.confusion[0]!.reduce((s, x) => s + x, 0);
    console.log(`  ${name.padEnd(8)} ${TISSUE_CLASSES.map((u) => `${u} ${pct(c.recall[u])} %`).join('  ')}   granulation pixels called epithelium ${pct(c.confusion[0]![3]! / granulationPx)} %, eschar ${pct(c.confusion[0]![2]! / granulationPx)} %`);
  });
}

if (values.all) {
  const files = readdirSync(join(fuseg, 'labels')).sort();
  const shares = rules.map(() => [0, 0, 0, 0]);
  let withWound = 0;
  for (const f of files) {
    const mask = decodeImage(readFileSync(join(fuseg, 'labels', f)));
    const im = decodeImage(readFileSync(join(fuseg, 'images', f)));
    let any = false;
    for (let i = 0; i < mask.width * mask.height; i++) {
      if (mask.data[4 * i]! < 128) continue;
      any = true;
      const [L, a, b] = srgbToLab(im.data[4 * i]!, im.data[4 * i + 1]!, im.data[4 * i + 2]!);
      rules.forEach(([, t], k) => shares[k]![classifyLabWith(t, L, a, b)]!++);
    }
    if (any) withWound++;
  }
  console.log(`\nevery wound pixel of the ${withWound} FUSeg images with a wound (expert masks)`);
  rules.forEach(([name], k) => {
    const n = shares[k]!.reduce((s, x) => s + x, 0);
    console.log(`  ${name.padEnd(8)} ${TISSUE_CLASSES.map((t, c) => `${t} ${((100 * shares[k]![c]!) / n).toFixed(1)} %`).join('  ')}`);
  });
}
