/**
 * Synthetic wound scans with analytic truth, for tests and benchmarks.
 *
 * An ellipsoidal cavity of semi-axes a, b and depth c, z = −c·√(1 − x²/a² − y²/b²) inside the
 * ellipse, either
 *  - in a plane: opening area πab, volume ⅔πabc; or
 *  - on top of a cylinder of radius R (a limb) with x along its axis and y = arc length s around
 *    it, the depth taken along the radius: a point (x, s, d) is (x, (R − d)·sin(s/R), (R − d)·cos(s/R)).
 *    Arc-length coordinates preserve area, so the opening (on the cylinder) is still πab, and
 *    V = ∫∫∫₀^d (1 − t/R) dt dA = ∫∫ (d − d²/2R) dA = πabc(⅔ − c/4R).
 * In both, the mean depth over the opening is ⅔c, the maximum depth c, the perimeter that of the
 * ellipse (arc length is preserved too), the length 2·max(a, b) and width 2·min(a, b).
 *
 * Points are a jittered grid of the (x, s) parameter plane (spacing 0.4–1.5 mm in the tests),
 * with optional Gaussian noise, stray points, a raised mound of tissue and tissue colours painted
 * in angular sectors of the ellipse (their share of the opening area is the share of the angle).
 */
import type { PointCloud } from '../../../common/point-cloud';
import type { Vec3 } from './frame';

export interface CavitySpec {
  surface: 'plane' | 'cylinder';
  /** Semi-axis along x (the cylinder's axis), mm. */
  a: number;
  /** Semi-axis along y (arc length around the cylinder), mm. */
  b: number;
  /** Depth, mm. */
  c: number;
  /** Cylinder radius, mm. */
  radius?: number;
  /** Sampling step of the jittered grid, mm. */
  spacing: number;
  /** Standard deviation of Gaussian noise added to each coordinate, mm. */
  noise?: number;
  outlinePoints?: number;
  /** Plane only: rotation of the ellipse about the plane normal, degrees. */
  rotationDeg?: number;
  /** Skin around the ellipse, mm (default 18). */
  margin?: number;
  seed?: number;
  /** Paint the bed with tissue colours and the skin with a skin tone. */
  colored?: boolean;
  /** Plane only: a smooth mound of tissue added to the bed, centred at (cx·a, 0). */
  mound?: { height: number; radius: number; cx: number };
  /** Stray points scattered 5–15 mm off the surface over the wound and its surroundings. */
  strays?: number;
  /** Rigid pose applied to everything: rotations about x, y, z (degrees), then a translation. */
  pose?: { rotateDeg: Vec3; translate: Vec3 };
  /** Make the x > 0 half four times as dense (uneven sampling). */
  uneven?: boolean;
  /**
   * Plane only: the wound bed raised by this much (mm) wherever it lies deeper than that — a bed
   * that filled in evenly between two visits. The truth figures follow.
   */
  bedRaise?: number;
  /**
   * Smooth relief of the whole surface (skin and bed alike) along its normal, like the bumps and
   * hollows of a real limb, so that registering two scans on the skin is well posed. Amplitude and
   * wavelength in mm. The truth figures ignore it (use it for registration, not measurement).
   */
  relief?: { amplitude: number; wavelength: number };
}

export interface PhantomTruth {
  area_cm2: number;
  projected_area_cm2: number;
  perimeter_cm: number;
  length_cm: number;
  width_cm: number;
  max_depth_mm: number;
  mean_depth_mm: number;
  volume_cm3: number;
  raised_volume_cm3: number;
  tissue_pct: { granulation: number; slough: number; eschar: number; epithelium: number };
}

export interface Phantom {
  cloud: PointCloud;
  outline: Float64Array;
  truth: PhantomTruth;
  /** The ellipse's x direction (the cylinder's axis) in world coordinates. */
  axisX: Vec3;
}

/** Tissue sectors, by angle of the normalised ellipse coordinates (x/a, y/b), in turns. */
export const TISSUE_SECTORS: { upTo: number; rgb: [number, number, number]; tissue: keyof PhantomTruth['tissue_pct'] }[] = [
  { upTo: 0.45, rgb: [200, 40, 50], tissue: 'granulation' },
  { upTo: 0.75, rgb: [225, 205, 110], tissue: 'slough' },
  { upTo: 0.9, rgb: [35, 30, 25], tissue: 'eschar' },
  { upTo: 1.0, rgb: [240, 175, 180], tissue: 'epithelium' },
];
const SKIN: [number, number, number] = [210, 170, 150];

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
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Perimeter of an ellipse by Simpson's rule on its arc-length integrand (relative error < 1e-9). */
export function ellipsePerimeter(a: number, b: number): number {
  const n = 20000;
  let s = 0;
  for (let k = 0; k <= n; k++) {
    const t = (k / n) * (Math.PI / 2);
    const f = Math.sqrt(a * a * Math.sin(t) ** 2 + b * b * Math.cos(t) ** 2);
    s += f * (k === 0 || k === n ? 1 : k % 2 ? 4 : 2);
  }
  return 4 * (s * (Math.PI / 2)) / (3 * n);
}

export function makeCavityPhantom(spec: CavitySpec): Phantom {
  const { a, b, c, spacing } = spec;
  const R = spec.radius ?? 40;
  const noise = spec.noise ?? 0;
  const margin = spec.margin ?? 18;
  const rand = mulberry32(spec.seed ?? 1);
  const rot = ((spec.rotationDeg ?? 0) * Math.PI) / 180;
  const cosR = Math.cos(rot);
  const sinR = Math.sin(rot);
  const cyl = spec.surface === 'cylinder';
  if (cyl && b / R >= Math.PI / 2) throw new Error('phantom: the ellipse wraps too far around the cylinder');

  /** Bed height (mm, negative below the skin) at ellipse coordinates (ex, ey). */
  const bedHeight = (ex: number, ey: number): number => {
    const rho2 = (ex / a) ** 2 + (ey / b) ** 2;
    let z = rho2 < 1 ? Math.min(0, -c * Math.sqrt(1 - rho2) + (spec.bedRaise ?? 0)) : 0;
    if (spec.mound && rho2 < 1) {
      const m = spec.mound;
      const r2 = ((ex - m.cx * a) ** 2 + ey ** 2) / (m.radius * m.radius);
      if (r2 < 1) z += m.height * (1 - r2) ** 2;
    }
    return z;
  };
  /** Relief at parameter-plane point (px, py), mm (zero without `relief`). */
  const reliefAt = (px: number, py: number): number => {
    if (!spec.relief) return 0;
    const { amplitude: A, wavelength: w } = spec.relief;
    const k = (2 * Math.PI) / w;
    return (A * (Math.sin(k * px + 0.7) * Math.cos((k * py) / 1.3 + 1.9) + 0.6 * Math.sin((k * (0.8 * px - 0.6 * py)) / 0.7 + 0.3))) / 1.6;
  };
  const sectorOf = (ex: number, ey: number): number => {
    let turn = Math.atan2(ey / b, ex / a) / (2 * Math.PI);
    if (turn < 0) turn += 1;
    return TISSUE_SECTORS.findIndex((s) => turn < s.upTo);
  };

  const xyz: number[] = [];
  const rgb: number[] = [];
  const emit = (px: number, py: number): void => {
    // (px, py): the parameter plane (for the cylinder py is arc length).
    const ex = cyl ? px : px * cosR + py * sinR;
    const ey = cyl ? py : -px * sinR + py * cosR;
    const h = bedHeight(ex, ey) + reliefAt(px, py);
    let x: number;
    let y: number;
    let z: number;
    if (cyl) {
      const r = R + h;
      x = px;
      y = r * Math.sin(py / R);
      z = r * Math.cos(py / R) - R;
    } else {
      x = px;
      y = py;
      z = h;
    }
    xyz.push(x + noise * gaussian(rand), y + noise * gaussian(rand), z + noise * gaussian(rand));
    if (spec.colored) {
      const inside = (ex / a) ** 2 + (ey / b) ** 2 < 1;
      const base = inside ? TISSUE_SECTORS[sectorOf(ex, ey)]!.rgb : SKIN;
      for (const ch of base) rgb.push(Math.max(0, Math.min(255, Math.round(ch + (rand() - 0.5) * 16))));
    }
  };
  const extent = Math.max(a, b) + margin;
  const x0 = cyl ? -(a + margin) : -extent;
  const x1 = -x0;
  const y0 = cyl ? -Math.PI * R : -extent;
  const y1 = cyl ? Math.PI * R : extent;
  const grid = (step: number, fromX: number, toX: number): void => {
    for (let gy = y0; gy < y1; gy += step) {
      for (let gx = fromX; gx < toX; gx += step) emit(gx + (rand() - 0.5) * 0.7 * step, gy + (rand() - 0.5) * 0.7 * step);
    }
  };
  if (spec.uneven) {
    grid(spacing, x0, 0);
    grid(spacing / 2, 0, x1);
  } else grid(spacing, x0, x1);

  for (let k = 0; k < (spec.strays ?? 0); k++) {
    const px = (rand() * 2 - 1) * (a + 8);
    const py = (rand() * 2 - 1) * (b + 8);
    const off = (5 + 10 * rand()) * (rand() < 0.5 ? 1 : -1);
    const ex = cyl ? px : px * cosR + py * sinR;
    const ey = cyl ? py : -px * sinR + py * cosR;
    const h = bedHeight(ex, ey) + reliefAt(px, py) + off;
    if (cyl) xyz.push(px, (R + h) * Math.sin(py / R), (R + h) * Math.cos(py / R) - R);
    else xyz.push(px, py, h);
    if (spec.colored) rgb.push(128, 128, 128);
  }

  const nOut = spec.outlinePoints ?? 128;
  const outline: number[] = [];
  for (let k = 0; k < nOut; k++) {
    const phi = (2 * Math.PI * k) / nOut;
    const ex = a * Math.cos(phi);
    const ey = b * Math.sin(phi);
    if (cyl) outline.push(ex, R * Math.sin(ey / R), R * Math.cos(ey / R) - R);
    else outline.push(ex * cosR - ey * sinR, ex * sinR + ey * cosR, 0);
  }

  // ---- Truth. ----
  const area = Math.PI * a * b;
  let projected = area;
  if (cyl) {
    const n = 20000;
    let s = 0;
    for (let k = 0; k <= n; k++) {
      const x = -a + (2 * a * k) / n;
      const f = 2 * R * Math.sin((b * Math.sqrt(Math.max(0, 1 - (x / a) ** 2))) / R);
      s += f * (k === 0 || k === n ? 1 : k % 2 ? 4 : 2);
    }
    projected = (s * (2 * a)) / (3 * n);
  }
  let volume = cyl ? Math.PI * a * b * c * (2 / 3 - c / (4 * R)) : (2 / 3) * Math.PI * a * b * c;
  let raised = 0;
  let maxDepth = c;
  let meanDepth = (2 / 3) * c;
  if (spec.mound || spec.bedRaise) {
    if (cyl) throw new Error('phantom: mound and bed raise only on the plane');
    // Numerical truth by the midpoint rule on a fine grid of the ellipse.
    const n = 1600;
    let vol = 0;
    let up = 0;
    let md = 0;
    const dA = ((2 * a) / n) * ((2 * b) / n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const ex = -a + ((i + 0.5) * 2 * a) / n;
        const ey = -b + ((j + 0.5) * 2 * b) / n;
        if ((ex / a) ** 2 + (ey / b) ** 2 >= 1) continue;
        const z = bedHeight(ex, ey);
        if (z < 0) vol += -z * dA;
        else up += z * dA;
        md = Math.max(md, -z);
      }
    }
    volume = vol;
    raised = up;
    maxDepth = md;
    meanDepth = vol / area;
  }
  const pct = { granulation: 0, slough: 0, eschar: 0, epithelium: 0 };
  let prev = 0;
  for (const s of TISSUE_SECTORS) {
    pct[s.tissue] = 100 * (s.upTo - prev);
    prev = s.upTo;
  }
  const truth: PhantomTruth = {
    area_cm2: area / 100,
    projected_area_cm2: projected / 100,
    perimeter_cm: ellipsePerimeter(a, b) / 10,
    length_cm: (2 * Math.max(a, b)) / 10,
    width_cm: (2 * Math.min(a, b)) / 10,
    max_depth_mm: maxDepth,
    mean_depth_mm: meanDepth,
    volume_cm3: volume / 1000,
    raised_volume_cm3: raised / 1000,
    tissue_pct: pct,
  };

  let axisX: Vec3 = cyl ? [1, 0, 0] : [cosR, sinR, 0];
  const positions = Float64Array.from(xyz);
  const outlineArr = Float64Array.from(outline);
  if (spec.pose) {
    const m = rotationMatrix(spec.pose.rotateDeg);
    const t = spec.pose.translate;
    const apply = (arr: Float64Array): void => {
      for (let i = 0; i < arr.length; i += 3) {
        const x = arr[i]!;
        const y = arr[i + 1]!;
        const z = arr[i + 2]!;
        for (let r = 0; r < 3; r++) arr[i + r] = m[3 * r]! * x + m[3 * r + 1]! * y + m[3 * r + 2]! * z + t[r]!;
      }
    };
    apply(positions);
    apply(outlineArr);
    const ax = axisX;
    axisX = [0, 1, 2].map((r) => m[3 * r]! * ax[0] + m[3 * r + 1]! * ax[1] + m[3 * r + 2]! * ax[2]) as Vec3;
  }
  const cloud: PointCloud = {
    format: 'ply',
    version: '1.0',
    count: positions.length / 3,
    positions,
    extras: [],
    units: 'mm',
    comments: ['synthetic wound phantom'],
  };
  if (spec.colored) cloud.colors = Uint8Array.from(rgb);
  return { cloud, outline: outlineArr, truth, axisX };
}

/** Row-major 3×3 rotation: about x, then y, then z (degrees). */
export function rotationMatrix(deg: Vec3): Float64Array {
  const [ax, ay, az] = deg.map((d) => (d * Math.PI) / 180) as Vec3;
  const cx = Math.cos(ax);
  const sx = Math.sin(ax);
  const cy = Math.cos(ay);
  const sy = Math.sin(ay);
  const cz = Math.cos(az);
  const sz = Math.sin(az);
  const Rx = [1, 0, 0, 0, cx, -sx, 0, sx, cx];
  const Ry = [cy, 0, sy, 0, 1, 0, -sy, 0, cy];
  const Rz = [cz, -sz, 0, sz, cz, 0, 0, 0, 1];
  const mul = (A: number[], B: number[]): number[] => {
    const C = new Array<number>(9).fill(0);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) C[3 * i + j]! += A[3 * i + k]! * B[3 * k + j]!;
    return C;
  };
  return Float64Array.from(mul(Rz, mul(Ry, Rx)));
}

/** A flat, evenly sampled plane of about `count` points with no wound, for benchmarks. */
export function makePlaneScan(count: number, spacing: number, seed = 7): PointCloud {
  const side = Math.sqrt(count) * spacing;
  const rand = mulberry32(seed);
  const n = Math.round(Math.sqrt(count));
  const positions = new Float64Array(3 * n * n);
  let k = 0;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      positions[k++] = -side / 2 + (i + 0.5 + (rand() - 0.5) * 0.7) * spacing;
      positions[k++] = -side / 2 + (j + 0.5 + (rand() - 0.5) * 0.7) * spacing;
      positions[k++] = 0;
    }
  }
  return { format: 'ply', version: '1.0', count: n * n, positions, extras: [], units: 'mm', comments: [] };
}

/**
 * Binary little-endian PLY (float x, y, z; uchar red, green, blue when coloured) of a cloud, its
 * coordinates multiplied by `scale` (0.001 writes a millimetre cloud in metres, as tablet apps do).
 */
export function encodePly(cloud: PointCloud, scale = 1): Uint8Array {
  const coloured = !!cloud.colors;
  const header =
    'ply\nformat binary_little_endian 1.0\ncomment synthetic wound phantom\n' +
    `element vertex ${cloud.count}\nproperty float x\nproperty float y\nproperty float z\n` +
    (coloured ? 'property uchar red\nproperty uchar green\nproperty uchar blue\n' : '') +
    'end_header\n';
  const head = new TextEncoder().encode(header);
  const stride = 12 + (coloured ? 3 : 0);
  const out = new Uint8Array(head.length + stride * cloud.count);
  out.set(head, 0);
  const view = new DataView(out.buffer);
  for (let i = 0; i < cloud.count; i++) {
    const o = head.length + i * stride;
    view.setFloat32(o, cloud.positions[3 * i]! * scale, true);
    view.setFloat32(o + 4, cloud.positions[3 * i + 1]! * scale, true);
    view.setFloat32(o + 8, cloud.positions[3 * i + 2]! * scale, true);
    if (coloured) {
      out[o + 12] = cloud.colors![3 * i]!;
      out[o + 13] = cloud.colors![3 * i + 1]!;
      out[o + 14] = cloud.colors![3 * i + 2]!;
    }
  }
  return out;
}

/**
 * A closed loop of real scan points around point `center`, about `radius` from it (in the cloud's
 * own units), one per angular sector of the local best-fit plane, ordered by angle: a stand-in
 * for an outline drawn on a real scan. Null when some sector has no point near that radius.
 */
export function loopAround(cloud: PointCloud, center: number, radius: number, sectors = 24): number[][] | null {
  const P = cloud.positions;
  const cx = P[3 * center]!;
  const cy = P[3 * center + 1]!;
  const cz = P[3 * center + 2]!;
  const near: number[] = [];
  for (let i = 0; i < cloud.count; i++) {
    const d = Math.hypot(P[3 * i]! - cx, P[3 * i + 1]! - cy, P[3 * i + 2]! - cz);
    if (d <= 1.3 * radius) near.push(i);
  }
  if (near.length < 3 * sectors) return null;
  // Local plane by PCA (power iteration on the covariance for the two largest axes).
  let mx = 0;
  let my = 0;
  let mz = 0;
  for (const i of near) {
    mx += P[3 * i]! / near.length;
    my += P[3 * i + 1]! / near.length;
    mz += P[3 * i + 2]! / near.length;
  }
  const C = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (const i of near) {
    const d = [P[3 * i]! - mx, P[3 * i + 1]! - my, P[3 * i + 2]! - mz];
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) C[3 * r + c]! += d[r]! * d[c]!;
  }
  const power = (v: number[], deflate?: number[]): number[] => {
    for (let it = 0; it < 100; it++) {
      let w = [0, 1, 2].map((r) => C[3 * r]! * v[0]! + C[3 * r + 1]! * v[1]! + C[3 * r + 2]! * v[2]!);
      if (deflate) {
        const k = w[0]! * deflate[0]! + w[1]! * deflate[1]! + w[2]! * deflate[2]!;
        w = w.map((x, j) => x - k * deflate[j]!);
      }
      const l = Math.hypot(w[0]!, w[1]!, w[2]!) || 1;
      v = w.map((x) => x / l);
    }
    return v;
  };
  const e1 = power([1, 0.3, 0.1]);
  const e2 = power([0.2, 1, 0.3], e1);
  const best: number[] = new Array<number>(sectors).fill(-1);
  const bestErr: number[] = new Array<number>(sectors).fill(Infinity);
  for (const i of near) {
    const d = [P[3 * i]! - cx, P[3 * i + 1]! - cy, P[3 * i + 2]! - cz];
    const u = d[0]! * e1[0]! + d[1]! * e1[1]! + d[2]! * e1[2]!;
    const v = d[0]! * e2[0]! + d[1]! * e2[1]! + d[2]! * e2[2]!;
    let a = Math.atan2(v, u) / (2 * Math.PI);
    if (a < 0) a += 1;
    const s = Math.min(sectors - 1, Math.floor(a * sectors));
    // Prefer points near the sector's middle angle and near the radius.
    const mid = ((s + 0.5) / sectors) * 2 * Math.PI;
    const err = Math.abs(Math.hypot(u, v) - radius) + radius * Math.abs(Math.sin(Math.atan2(v, u) - mid));
    if (err < bestErr[s]!) {
      bestErr[s] = err;
      best[s] = i;
    }
  }
  if (best.some((i, s) => i < 0 || bestErr[s]! > 0.3 * radius)) return null;
  return best.map((i) => [P[3 * i]!, P[3 * i + 1]!, P[3 * i + 2]!]);
}
