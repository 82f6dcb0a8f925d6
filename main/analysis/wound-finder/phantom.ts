/**
 * Generated scans for the wound finder's tests and benchmark: part of a cylinder (a limb, radius
 * ~40 mm) sampled on a jittered grid of its (axis, arc-length) parameter plane with radial noise,
 * coloured by a photograph laid on it in arc-length coordinates (area-preserving, so the painted
 * wound's area on the surface is its pixel count × mm²/pixel²). With a wound photo and its expert
 * mask, the points that fall in the mask are the ground truth.
 *
 * Optionally the tube is closed behind (its far half coloured by the same photo, mirrored so that
 * its painted wound lies exactly behind the front one in the view) to check that hidden points are
 * never labelled, and the whole scan can be moved rigidly.
 */
import type { PointCloud } from '../../../common/point-cloud';
import type { Vec3 } from '../measure/index';

export interface Texture {
  width: number;
  height: number;
  /** RGBA. */
  data: Uint8Array;
}

export interface TexturedCylinderSpec {
  photo: Texture;
  /** Expert mask, same size (any channel count; > 127 = wound). */
  mask?: Texture;
  mmPerPixel: number;
  radius: number;
  spacing: number;
  /** Radial Gaussian noise (mm). */
  noise: number;
  seed?: number;
  /** Close the tube behind with the mirrored photo (and plain skin on its sides). */
  closedTube?: boolean;
  /** Rotations about x, y, z (degrees), then a translation (mm). */
  pose?: { rotateDeg: Vec3; translate: Vec3 };
  /** Leave colours out (to test NO_COLOUR). */
  uncoloured?: boolean;
}

export interface TexturedCylinder {
  cloud: PointCloud;
  /** 1 for points painted with the wound mask on the front (visible) side. */
  painted: Uint8Array;
  /** 1 for points on the back half of a closed tube. */
  back: Uint8Array;
  /** Area of the painted wound on the surface (mm²). */
  paintedAreaMm2: number;
  /** Direction from the scanner toward the front surface, after the pose. */
  viewDirection: Vec3;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
}

/** Bounding box of the photo's content (the FUSeg photos are zero-padded to a square). */
export function contentBox(photo: Texture): { x0: number; y0: number; x1: number; y1: number } {
  let x0 = photo.width;
  let y0 = photo.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < photo.height; y++) {
    for (let x = 0; x < photo.width; x++) {
      const o = 4 * (y * photo.width + x);
      if (photo.data[o]! + photo.data[o + 1]! + photo.data[o + 2]! > 24) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

function rotation(deg: Vec3): number[] {
  const [a, b, c] = deg.map((d) => (d * Math.PI) / 180) as Vec3;
  const rx = [1, 0, 0, 0, Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a)];
  const ry = [Math.cos(b), 0, Math.sin(b), 0, 1, 0, -Math.sin(b), 0, Math.cos(b)];
  const rz = [Math.cos(c), -Math.sin(c), 0, Math.sin(c), Math.cos(c), 0, 0, 0, 1];
  const mul = (p: number[], q: number[]) => {
    const r = new Array<number>(9).fill(0);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) r[3 * i + j]! += p[3 * i + k]! * q[3 * k + j]!;
    return r;
  };
  return mul(rz, mul(ry, rx));
}

export function makeTexturedCylinder(spec: TexturedCylinderSpec): TexturedCylinder {
  const { photo, mask, mmPerPixel: mm, radius: R, spacing, noise } = spec;
  const rand = mulberry32(spec.seed ?? 7);
  const box = contentBox(photo);
  const cols = box.x1 - box.x0;
  const rows = box.y1 - box.y0;
  // Photo rows run along the cylinder's axis (x), columns around it (arc length s).
  const lx = rows * mm;
  const ls = cols * mm;
  if (ls / R >= Math.PI) throw new Error('phantom: the photo wraps more than half way around the cylinder');
  const isWound = (c: number, r: number): boolean => {
    if (!mask) return false;
    const ch = mask.data.length / (mask.width * mask.height);
    return mask.data[ch * (r * mask.width + c)]! > 127;
  };
  let paintedPixels = 0;
  if (mask) for (let r = box.y0; r < box.y1; r++) for (let c = box.x0; c < box.x1; c++) if (isWound(c, r)) paintedPixels++;

  const xyz: number[] = [];
  const rgb: number[] = [];
  const painted: number[] = [];
  const back: number[] = [];
  const nx = Math.round(lx / spacing);
  const emit = (x: number, theta: number, colour: [number, number, number], isPainted: boolean, isBack: boolean) => {
    const rr = R + noise * gaussian(rand);
    xyz.push(x, rr * Math.sin(theta), rr * Math.cos(theta));
    rgb.push(...colour);
    painted.push(isPainted ? 1 : 0);
    back.push(isBack ? 1 : 0);
  };
  const texel = (x: number, s: number): { colour: [number, number, number]; wound: boolean } => {
    const c = Math.min(cols - 1, Math.max(0, Math.floor((s + ls / 2) / mm))) + box.x0;
    const r = Math.min(rows - 1, Math.max(0, Math.floor((x + lx / 2) / mm))) + box.y0;
    const o = 4 * (r * photo.width + c);
    return { colour: [photo.data[o]!, photo.data[o + 1]!, photo.data[o + 2]!], wound: isWound(c, r) };
  };
  const skin: [number, number, number] = [196, 150, 128];
  const ring = spec.closedTube ? 2 * Math.PI * R : ls;
  const ns = Math.round(ring / spacing);
  for (let i = 0; i < nx; i++) {
    for (let j = 0; j < ns; j++) {
      const x = -lx / 2 + (i + 0.5 + 0.6 * (rand() - 0.5)) * spacing;
      let s = -ring / 2 + (j + 0.5 + 0.6 * (rand() - 0.5)) * spacing;
      if (!spec.closedTube) {
        const t = texel(x, s);
        emit(x, s / R, t.colour, t.wound, false);
        continue;
      }
      // Closed tube: s in [−πR, πR); the front is |s| < ls/2, the back is the front mirrored behind it.
      s = s < -Math.PI * R ? s + 2 * Math.PI * R : s;
      const theta = s / R;
      if (Math.abs(s) < ls / 2) {
        const t = texel(x, s);
        emit(x, theta, t.colour, t.wound, false);
      } else {
        // Behind: θ' = π − θ shows what the front shows at θ (same x and same lateral position).
        const mirrored = Math.atan2(Math.sin(Math.PI - theta), Math.cos(Math.PI - theta)) * R;
        if (Math.abs(mirrored) < ls / 2 && Math.cos(theta) < 0) emit(x, theta, texel(x, mirrored).colour, false, true);
        else emit(x, theta, skin, false, Math.cos(theta) < 0);
      }
    }
  }
  const count = xyz.length / 3;
  const positions = Float64Array.from(xyz);
  // The scanner looks down −z at the front (which faces +z).
  let view: Vec3 = [0, 0, -1];
  if (spec.pose) {
    const m = rotation(spec.pose.rotateDeg);
    const t = spec.pose.translate;
    for (let i = 0; i < count; i++) {
      const [x, y, z] = [positions[3 * i]!, positions[3 * i + 1]!, positions[3 * i + 2]!];
      for (let d = 0; d < 3; d++) positions[3 * i + d] = m[3 * d]! * x + m[3 * d + 1]! * y + m[3 * d + 2]! * z + t[d]!;
    }
    view = [m[0]! * view[0] + m[1]! * view[1] + m[2]! * view[2], m[3]! * view[0] + m[4]! * view[1] + m[5]! * view[2], m[6]! * view[0] + m[7]! * view[1] + m[8]! * view[2]];
  }
  const cloud: PointCloud = {
    format: 'ply',
    version: '1.0',
    count,
    positions,
    ...(spec.uncoloured ? {} : { colors: Uint8Array.from(rgb) }),
    extras: [],
    units: 'mm',
    comments: ['generated wound-finder phantom'],
  };
  return { cloud, painted: Uint8Array.from(painted), back: Uint8Array.from(back), paintedAreaMm2: paintedPixels * mm * mm, viewDirection: view };
}

/** Plain skin with soft blotches and per-point noise: nothing the model should call a wound. */
export function skinTexture(width: number, height: number, seed = 3): Texture {
  const rand = mulberry32(seed);
  const data = new Uint8Array(width * height * 4);
  const blobs = Array.from({ length: 12 }, () => ({ x: rand() * width, y: rand() * height, r: (0.1 + 0.2 * rand()) * width, a: (rand() - 0.5) * 24 }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let shade = 0;
      for (const b of blobs) shade += b.a * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (b.r * b.r));
      const n = (rand() - 0.5) * 10;
      const o = 4 * (y * width + x);
      data[o] = Math.max(0, Math.min(255, 206 + shade + n));
      data[o + 1] = Math.max(0, Math.min(255, 164 + 0.9 * shade + n));
      data[o + 2] = Math.max(0, Math.min(255, 142 + 0.8 * shade + n));
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}
