/**
 * The exported wound model under onnxruntime-node: parity with PyTorch on held-out images,
 * typed refusals of bad models, provider fallback, install, and the segment-image CLI.
 * Needs the FUSeg images beside the repository (../shared/datasets/fuseg, see SOURCE.md).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSegmenter,
  decodeImage,
  installModel,
  loadModel,
  ModelError,
  sha256Hex,
  type ModelErrorCode,
  type Segmenter,
} from './index';
import { postprocessMask } from './postprocess';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..', '..');
const modelDir = join(repoRoot, 'native-models', 'wound-seg');
const manifestPath = join(modelDir, 'model.json');
const dataDir = join(repoRoot, '..', 'shared', 'datasets', 'fuseg', 'train');
const LONG = 180_000;

interface Parity {
  threshold: number;
  images: { file: string; dice: number }[];
}

function dice(mask: Uint8Array, truth: Uint8Array, channels: number): number {
  let inter = 0;
  let p = 0;
  let g = 0;
  for (let i = 0; i < mask.length; i++) {
    const a = mask[i]! > 0;
    const b = truth[i * channels]! > 127;
    if (a) p++;
    if (b) g++;
    if (a && b) inter++;
  }
  return p + g === 0 ? 1 : (2 * inter) / (p + g);
}

async function expectModelError(promise: Promise<unknown>, code: ModelErrorCode): Promise<ModelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ModelError ${code}`).toBeInstanceOf(ModelError);
  expect((error as ModelError).code).toBe(code);
  return error as ModelError;
}

/** A copy of the installed model in a temp folder, with `edit` applied to its manifest. */
function modelCopy(root: string, name: string, edit: (m: Record<string, unknown>) => void = () => {}): string {
  const dir = join(root, name);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  const file = manifest['file'] as string;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(modelDir, file), join(dir, file));
  edit(manifest);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest));
  return join(dir, 'model.json');
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cw-seg-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('installed reference model', () => {
  it('manifest and model verify', async () => {
    const model = await loadModel(manifestPath);
    expect(model.manifest.input.shape).toEqual([1, 3, model.input.height, model.input.width]);
    expect(model.bytes.length).toBeLessThan(10 * 1024 * 1024);
    expect(sha256Hex(model.bytes)).toBe(model.manifest.sha256);
    expect(model.manifest.licence).toMatch(/CC BY-NC/);
  });
});

describe('parity with PyTorch', () => {
  // parity.json holds PyTorch's single forward pass at the threshold: the model without the
  // manifest's postprocess block (test-time flips and clean-up, checked below).
  let seg: Segmenter;
  beforeAll(async () => {
    seg = await createSegmenter({ manifestPath: modelCopy(tmp, 'plain', (m) => delete m['postprocess']), providers: ['cpu'] });
  }, LONG);
  afterAll(async () => {
    await seg?.dispose();
  });

  it('per-image Dice within 0.01 of PyTorch on the held-out images in parity.json', async () => {
    const parity = JSON.parse(readFileSync(join(modelDir, 'parity.json'), 'utf8')) as Parity;
    expect(parity.images.length).toBeGreaterThanOrEqual(10);
    expect(parity.threshold).toBe(seg.model.threshold);
    const split = JSON.parse(readFileSync(join(repoRoot, 'native-models', 'training', 'split.json'), 'utf8')) as { val: string[]; train: string[] };
    const ours: number[] = [];
    for (const { file, dice: reference } of parity.images) {
      expect(split.val, `${file} must be a held-out image`).toContain(file);
      expect(split.train).not.toContain(file);
      const image = decodeImage(readFileSync(join(dataDir, 'images', file)));
      const truth = decodeImage(readFileSync(join(dataDir, 'labels', file)));
      const result = await seg.segmentImage(image.data, image.width, image.height);
      expect(result.mask.length).toBe(image.width * image.height);
      const d = dice(result.mask, truth.data, 4);
      expect(Math.abs(d - reference), `${file}: onnxruntime ${d.toFixed(4)} vs PyTorch ${reference.toFixed(4)}`).toBeLessThanOrEqual(0.01);
      ours.push(d);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(mean(ours) - mean(parity.images.map((i) => i.dice)))).toBeLessThanOrEqual(0.01);
  }, LONG);

  it('RGB and RGBA input give the same mask; probabilities on request; bad buffers refused', async () => {
    const file = JSON.parse(readFileSync(join(modelDir, 'parity.json'), 'utf8')).images[0].file as string;
    const image = decodeImage(readFileSync(join(dataDir, 'images', file)));
    const rgb = new Uint8Array(image.width * image.height * 3);
    for (let i = 0; i < image.width * image.height; i++) rgb.set(image.data.subarray(i * 4, i * 4 + 3), i * 3);
    const a = await seg.segmentImage(image.data, image.width, image.height, { withProbability: true });
    const b = await seg.segmentImage(rgb, image.width, image.height);
    expect(Buffer.from(a.mask).equals(Buffer.from(b.mask))).toBe(true);
    expect(a.probability!.length).toBe(image.width * image.height);
    for (let i = 0; i < a.mask.length; i += 97) expect(a.mask[i] === 255).toBe(a.probability![i]! > seg.model.threshold);
    expect(image.data.length).toBe(image.width * image.height * 4); // the caller's buffer is not taken
    await expectModelError(seg.segmentImage(new Uint8Array(10), 3, 3), 'IMAGE_INVALID');
  }, LONG);
});

describe('the shipped postprocess block (test-time flips, clean-up)', () => {
  it('the bundled manifest asks for flips; the worker averages the mirrored passes and applies the clean-up', async () => {
    const shipped = (await loadModel(manifestPath)).manifest.postprocess;
    expect(shipped?.flips).toBeGreaterThanOrEqual(2);
    const plain = await createSegmenter({ manifestPath: modelCopy(tmp, 'plain-pp', (m) => delete m['postprocess']), providers: ['cpu'], threads: 1 });
    const flipsOnly = await createSegmenter({
      manifestPath: modelCopy(tmp, 'flips-only', (m) => (m['postprocess'] = { flips: shipped!.flips })),
      providers: ['cpu'],
      threads: 1,
    });
    const bundled = await createSegmenter({ manifestPath, providers: ['cpu'], threads: 1 });
    try {
      const file = (JSON.parse(readFileSync(join(modelDir, 'parity.json'), 'utf8')) as Parity).images[1]!.file;
      const image = decodeImage(readFileSync(join(dataDir, 'images', file)));
      const { width: w, height: h } = image;
      const mirror = (src: Uint8Array, fx: boolean, fy: boolean) => {
        const out = new Uint8Array(src.length);
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.set(src.subarray(((fy ? h - 1 - y : y) * w + (fx ? w - 1 - x : x)) * 4, ((fy ? h - 1 - y : y) * w + (fx ? w - 1 - x : x)) * 4 + 4), (y * w + x) * 4);
        return out;
      };
      const logit = (p: number) => Math.log(p / (1 - p));
      const variants = [[false, false], [true, false], [false, true], [true, true]].slice(0, shipped!.flips) as [boolean, boolean][];
      const passes = [];
      for (const [fx, fy] of variants) passes.push({ fx, fy, p: (await plain.segmentImage(mirror(image.data, fx, fy), w, h, { withProbability: true })).probability! });
      const tta = await flipsOnly.segmentImage(image.data, w, h, { withProbability: true });
      // The square 512 image resizes symmetrically, so mirroring the photo = mirroring the tensor:
      // the flipped request's logit is the mean of the plain passes' logits, each mirrored back.
      let worst = 0;
      for (let y = 0; y < h; y += 7) {
        for (let x = 0; x < w; x += 5) {
          let sum = 0;
          for (const { fx, fy, p } of passes) sum += logit(Math.min(Math.max(p[(fy ? h - 1 - y : y) * w + (fx ? w - 1 - x : x)]!, 1e-6), 1 - 1e-6));
          const expected = 1 / (1 + Math.exp(-sum / passes.length));
          worst = Math.max(worst, Math.abs(expected - tta.probability![y * w + x]!));
        }
      }
      expect(worst).toBeLessThan(1e-3);
      const one = await plain.segmentImage(image.data, w, h, { withProbability: true });
      let differ = 0;
      for (let i = 0; i < one.probability!.length; i++) if (Math.abs(one.probability![i]! - tta.probability![i]!) > 0.01) differ++;
      expect(differ).toBeGreaterThan(100); // the flips do change the probabilities
      // The bundled model's mask is the flipped one cleaned up by the shipped settings.
      const full = await bundled.segmentImage(image.data, w, h);
      const expectedMask = postprocessMask(tta.mask, tta.probability!, w, h, shipped!);
      expect(Buffer.from(full.mask).equals(Buffer.from(expectedMask))).toBe(true);
      expect(expectedMask.some((v) => v > 0)).toBe(true);
    } finally {
      await Promise.all([plain.dispose(), flipsOnly.dispose(), bundled.dispose()]);
    }
  }, LONG);

  it('the fallback finds the small wound in held-out 0100.png that the flipped passes alone miss', async () => {
    const shipped = (await loadModel(manifestPath)).manifest.postprocess;
    expect(shipped?.fallbackThreshold).toBeGreaterThan(0);
    const flipsOnly = await createSegmenter({
      manifestPath: modelCopy(tmp, 'no-fallback', (m) => (m['postprocess'] = { ...shipped, fallbackThreshold: 0 })),
      providers: ['cpu'],
      threads: 1,
    });
    const bundled = await createSegmenter({ manifestPath, providers: ['cpu'], threads: 1 });
    try {
      const image = decodeImage(readFileSync(join(dataDir, 'images', '0100.png')));
      const truth = decodeImage(readFileSync(join(dataDir, 'labels', '0100.png')));
      const without = await flipsOnly.segmentImage(image.data, image.width, image.height);
      const withFallback = await bundled.segmentImage(image.data, image.width, image.height);
      expect(without.mask.every((v) => v === 0)).toBe(true);
      expect(dice(withFallback.mask, truth.data, 4)).toBeGreaterThan(0.5);
    } finally {
      await Promise.all([flipsOnly.dispose(), bundled.dispose()]);
    }
  }, LONG);
});

describe('refusals', () => {
  it('sha256 mismatch', async () => {
    const m = modelCopy(tmp, 'sha', (man) => (man['sha256'] = 'a'.repeat(64)));
    await expectModelError(loadModel(m), 'MODEL_SHA256_MISMATCH');
    // and a modified model file under a correct manifest
    const m2 = modelCopy(tmp, 'flip');
    const onnx = join(dirname(m2), JSON.parse(readFileSync(m2, 'utf8')).file as string);
    const bytes = readFileSync(onnx);
    const at = bytes.length >> 1;
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(onnx, bytes);
    await expectModelError(createSegmenter({ manifestPath: m2, providers: ['cpu'] }), 'MODEL_SHA256_MISMATCH');
  }, LONG);

  it('missing model file or manifest', async () => {
    const m = modelCopy(tmp, 'missing');
    rmSync(join(dirname(m), JSON.parse(readFileSync(m, 'utf8')).file as string));
    await expectModelError(loadModel(m), 'MODEL_MISSING');
    await expectModelError(loadModel(join(tmp, 'nowhere', 'model.json')), 'MODEL_MISSING');
  });

  it('corrupt model whose manifest matches it', async () => {
    for (const [name, bytes] of [
      ['garbage', Buffer.from('this is not an onnx file, just text pretending to be one')],
      // passes the first-byte check, then fails in onnxruntime's parser
      ['truncated', (await loadModel(manifestPath)).bytes.subarray(0, (await loadModel(manifestPath)).bytes.length >> 1)],
    ] as const) {
      const m = modelCopy(tmp, name);
      const onnx = join(dirname(m), JSON.parse(readFileSync(m, 'utf8')).file as string);
      writeFileSync(onnx, bytes);
      const man = JSON.parse(readFileSync(m, 'utf8'));
      man.sha256 = sha256Hex(bytes);
      writeFileSync(m, JSON.stringify(man));
      await expectModelError(createSegmenter({ manifestPath: m, providers: ['cpu'] }), 'MODEL_CORRUPT');
    }
  }, LONG);

  it('invalid manifest', async () => {
    const bad = join(tmp, 'bad-json.json');
    writeFileSync(bad, '{ not json');
    await expectModelError(loadModel(bad), 'MANIFEST_INVALID');
    const m = modelCopy(tmp, 'no-threshold', (man) => delete man['threshold']);
    await expectModelError(loadModel(m), 'MANIFEST_INVALID');
    const escape = modelCopy(tmp, 'escape', (man) => (man['file'] = '../wound-seg/x.onnx'));
    await expectModelError(loadModel(escape), 'MANIFEST_INVALID');
  });

  it('input shape that the model does not have', async () => {
    const m = modelCopy(tmp, 'shape', (man) => ((man['input'] as { shape: number[] }).shape = [1, 3, 320, 320]));
    await expectModelError(createSegmenter({ manifestPath: m, providers: ['cpu'] }), 'INPUT_SHAPE');
    const m4 = modelCopy(tmp, 'shape4', (man) => ((man['input'] as { shape: number[] }).shape = [1, 4, 256, 256]));
    await expectModelError(loadModel(m4), 'INPUT_SHAPE');
  }, LONG);
});

describe('execution providers', () => {
  // A provider this platform never has: CoreML off macOS, DirectML on macOS.
  const absent = process.platform === 'darwin' ? 'dml' : 'coreml';

  it('an unavailable provider asked for first falls back to CPU and says so', async () => {
    const seg = await createSegmenter({ manifestPath, providers: [absent, 'cpu'], threads: 1 });
    try {
      expect(seg.provider).toBe('cpu');
      expect(seg.attempts.map((a) => [a.provider, a.ok])).toEqual([
        [absent, false],
        ['cpu', true],
      ]);
      const r = await seg.segmentImage(new Uint8Array(64 * 48 * 3).fill(128), 64, 48);
      expect(r.provider).toBe('cpu');
      expect(r.mask.length).toBe(64 * 48);
    } finally {
      await seg.dispose();
    }
  }, LONG);

  it('the default order ends on a provider that works, reporting every attempt', async () => {
    const seg = await createSegmenter({ manifestPath, threads: 1 });
    try {
      const last = seg.attempts.at(-1)!;
      expect(last.ok).toBe(true);
      expect(last.provider).toBe(seg.provider);
      expect(seg.attempts.slice(0, -1).every((a) => !a.ok && typeof a.reason === 'string')).toBe(true);
      // Failed candidates (e.g. WebGPU with no adapter) must not hold start-up for long.
      for (const a of seg.attempts.slice(0, -1)) expect(a.ms).toBeLessThan(15_000);
    } finally {
      await seg.dispose();
    }
  }, LONG);

  it('none of the asked-for providers available: PROVIDER_UNAVAILABLE', async () => {
    await expectModelError(createSegmenter({ manifestPath, providers: [absent] }), 'PROVIDER_UNAVAILABLE');
  }, LONG);

  it('a disposed segmenter refuses work', async () => {
    const seg = await createSegmenter({ manifestPath, providers: ['cpu'], threads: 1 });
    await seg.dispose();
    await expectModelError(seg.segmentImage(new Uint8Array(12), 2, 2), 'DISPOSED');
  }, LONG);
});

describe('installModel', () => {
  it('copies a valid model and manifest; refuses a bad one without writing', async () => {
    const dest = join(tmp, 'installed');
    const installed = await installModel(manifestPath, dest);
    const again = await loadModel(installed.manifestPath);
    expect(again.manifest.sha256).toBe(installed.manifest.sha256);

    const bad = modelCopy(tmp, 'bad-install', (man) => (man['sha256'] = 'b'.repeat(64)));
    const dest2 = join(tmp, 'not-installed');
    await expectModelError(installModel(bad, dest2), 'MODEL_SHA256_MISMATCH');
    expect(existsSync(dest2)).toBe(false);
  }, LONG);
});

describe('coherency segment-image (the real command line)', () => {
  const run = (args: string[]) =>
    promisify(execFile)(process.execPath, [join(repoRoot, 'bin', 'coherency.mjs'), 'segment-image', ...args], {
      cwd: repoRoot,
      env: { ...process.env, COHERENCY_CLI_FROM_SOURCE: '1' },
    });
  const firstParityFile = () => (JSON.parse(readFileSync(join(modelDir, 'parity.json'), 'utf8')) as Parity).images[0]!.file;

  it('writes a 0/255 mask the size of a non-square JPEG; --json names the provider', async () => {
    const src = decodeImage(readFileSync(join(dataDir, 'images', firstParityFile())));
    const w = 301;
    const h = 200;
    const crop = Buffer.alloc(w * h * 4);
    for (let y = 0; y < h; y++) Buffer.from(src.data.buffer, src.data.byteOffset + ((y + 100) * src.width + 50) * 4, w * 4).copy(crop, y * w * 4);
    const jpg = join(tmp, 'photo.jpg');
    writeFileSync(jpg, jpeg.encode({ width: w, height: h, data: crop }, 92).data);
    const maskPath = join(tmp, 'photo-mask.png');
    const { stdout } = await run([jpg, '--out', maskPath, '--model', manifestPath, '--json', '--threads', '1']);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as { provider: string; width: number; height: number };
    expect(summary).toMatchObject({ width: w, height: h });
    expect(['cuda', 'dml', 'coreml', 'webgpu', 'cpu']).toContain(summary.provider);
    const mask = decodeImage(readFileSync(maskPath));
    expect([mask.width, mask.height]).toEqual([w, h]);
    const values = new Set<number>();
    for (let i = 0; i < mask.data.length; i += 4) values.add(mask.data[i]!);
    for (const v of values) expect([0, 255]).toContain(v);
  }, LONG);

  it('on a PNG with the default model: mask of the same size, provider printed', async () => {
    const png = join(dataDir, 'images', firstParityFile());
    const maskPath = join(tmp, 'cli-mask.png');
    const { stdout } = await run([png, '--out', maskPath, '--providers', 'cpu', '--threads', '1']);
    expect(stdout).toMatch(/^provider: cpu$/m);
    const mask = decodeImage(readFileSync(maskPath));
    const image = decodeImage(readFileSync(png));
    expect([mask.width, mask.height]).toEqual([image.width, image.height]);
    let wound = 0;
    for (let i = 0; i < mask.data.length; i += 4) {
      expect(mask.data[i] === 0 || mask.data[i] === 255).toBe(true);
      if (mask.data[i] === 255) wound++;
    }
    expect(wound).toBeGreaterThan(0); // parity images all have a wound the model finds some of
  }, LONG);

  it('exits non-zero with the error code for a bad model and writes nothing', async () => {
    const m = modelCopy(tmp, 'cli-bad', (man) => (man['sha256'] = 'c'.repeat(64)));
    const out = join(tmp, 'never.png');
    const error = await run([join(dataDir, 'images', firstParityFile()), '--out', out, '--model', m]).then(
      () => undefined,
      (e: unknown) => e as { code: number; stderr: string },
    );
    expect(error?.code).toBe(1);
    expect(error?.stderr).toMatch(/MODEL_SHA256_MISMATCH/);
    expect(existsSync(out)).toBe(false);
  }, LONG);
});
