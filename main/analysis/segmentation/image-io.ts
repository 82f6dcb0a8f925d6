/**
 * Image files for the segmentation CLI and tests: PNG (pngjs) and baseline/progressive JPEG
 * (jpeg-js) decoded to 8-bit RGBA, binary masks encoded as 8-bit greyscale PNG.
 * EXIF orientation is not applied: the mask matches the stored pixel grid.
 */
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { ModelError } from './errors';

export interface DecodedImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel. */
  data: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function imageKind(bytes: Uint8Array): 'png' | 'jpeg' | undefined {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

export function decodeImage(bytes: Uint8Array): DecodedImage {
  const kind = imageKind(bytes);
  try {
    if (kind === 'png') {
      const png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    if (kind === 'jpeg') {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 200, maxMemoryUsageInMB: 2048 });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (error) {
    throw new ModelError('IMAGE_INVALID', `could not decode the ${kind} image: ${error instanceof Error ? error.message : String(error)}`);
  }
  throw new ModelError('IMAGE_INVALID', 'not a PNG or JPEG image');
}

/** A width × height array of 0/255 → 8-bit greyscale PNG bytes. */
export function encodeMaskPng(mask: Uint8Array, width: number, height: number): Buffer {
  if (mask.length !== width * height) throw new ModelError('IMAGE_INVALID', `mask of ${mask.length} bytes does not fit ${width} × ${height}`);
  const png = new pngjs.PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  png.data = Buffer.from(mask.buffer, mask.byteOffset, mask.byteLength);
  return pngjs.PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
}
