import { readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSegmenter, decodeImage, encodeMaskPng, isModelError, parseProviderList } from '../analysis/segmentation';
import { parseArgs, type CliCommand } from './command';

/** The installed reference model, from source (main/cli) or the build (out/main). */
function defaultManifest(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..', '..', 'native-models', 'wound-seg', 'model.json');
}

export const segmentImageCommand: CliCommand = {
  name: 'segment-image',
  summary: 'find the wound in a PNG/JPEG photo and write a 0/255 mask PNG of the same size',
  usage:
    'coherency segment-image IMAGE --out MASK.png [--model model.json] [--providers cuda,webgpu,cpu] [--threads N] [--json]\n' +
    '  Writes an 8-bit greyscale PNG (255 = wound, 0 = background) the size of IMAGE and prints the\n' +
    '  execution provider used. Default model: native-models/wound-seg/model.json.\n' +
    '  The mask is an aid: a clinician confirms or edits the boundary.',
  async run(args, io) {
    const { positionals, flags } = parseArgs(args, ['json']);
    const json = flags.has('json');
    const image = positionals[0];
    const out = flags.get('out');
    if (!image || typeof out !== 'string') {
      io.err(this.usage);
      return 2;
    }
    const model = flags.get('model');
    const manifestPath = typeof model === 'string' ? resolve(model) : defaultManifest();
    const providersFlag = flags.get('providers');
    const threadsFlag = flags.get('threads');
    let segmenter: Awaited<ReturnType<typeof createSegmenter>> | undefined;
    try {
      const providers = typeof providersFlag === 'string' ? parseProviderList(providersFlag) : undefined;
      const threads = typeof threadsFlag === 'string' ? Number(threadsFlag) : undefined;
      if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new Error('--threads must be a positive integer');
      const decoded = decodeImage(await readFile(image));
      segmenter = await createSegmenter({ manifestPath, ...(providers ? { providers } : {}), ...(threads ? { threads } : {}) });
      const result = await segmenter.segmentImage(decoded.data, decoded.width, decoded.height);
      await writeFile(out, encodeMaskPng(result.mask, decoded.width, decoded.height));
      let woundPixels = 0;
      for (const v of result.mask) if (v) woundPixels++;
      const summary = {
        image,
        out,
        width: decoded.width,
        height: decoded.height,
        provider: result.provider,
        attempts: segmenter.attempts,
        model: { name: segmenter.model.name, version: segmenter.model.version, sha256: segmenter.model.sha256, manifest: manifestPath },
        woundPixels,
        woundFraction: woundPixels / (decoded.width * decoded.height),
        ms: Math.round(result.ms * 10) / 10,
        inferenceMs: Math.round(result.inferenceMs * 10) / 10,
      };
      if (json) io.out(JSON.stringify(summary));
      else {
        io.out(`provider: ${result.provider}`);
        io.out(`mask: ${out} (${decoded.width} × ${decoded.height}, wound ${(summary.woundFraction * 100).toFixed(2)} % of the image)`);
        io.out(`model: ${summary.model.name} ${summary.model.version}  time ${summary.ms} ms (inference ${summary.inferenceMs} ms)`);
      }
      return 0;
    } catch (error) {
      const code = isModelError(error) ? error.code : 'ERROR';
      const message = error instanceof Error ? error.message : String(error);
      if (json) io.out(JSON.stringify({ error: { code, message } }));
      io.err(`segment-image: ${code}: ${message}`);
      return 1;
    } finally {
      await segmenter?.dispose();
    }
  },
};
