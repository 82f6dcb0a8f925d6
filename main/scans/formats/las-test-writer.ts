/**
 * A small LAS writer for tests: header, VLRs, point records (written field by field as the
 * specification lays them out) and EVLRs, so that every point format and the odd records the
 * readers must cope with can be built with known values. Used only by tests and test data.
 */

const CORE: readonly number[] = [20, 28, 26, 34, 57, 63, 30, 36, 38, 59, 67];

export interface Point {
  x: number;
  y: number;
  z: number;
  intensity?: number;
  cls?: number;
  gps?: number;
  rgb?: [number, number, number];
  nir?: number;
  extra?: number[];
  /** Return number and number of returns (3 bits each in formats 0–5, 4 bits each in 6–10); 0 when absent. */
  returnNumber?: number;
  returns?: number;
}
export interface Vlr {
  user: string;
  id: number;
  data: Uint8Array;
}
export interface LasSpec {
  minor?: number;
  pf: number;
  points: Point[];
  extraBytes?: number;
  vlrs?: Vlr[];
  evlrs?: Vlr[];
  scale?: number;
  offset?: [number, number, number];
  legacyCount?: number;
  software?: string;
}

/** Writes a LAS file the way the specification lays it out (records written field by field). */
export function makeLas(spec: LasSpec): Uint8Array {
  const minor = spec.minor ?? (spec.pf > 5 ? 4 : 2);
  const headerSize = minor >= 4 ? 375 : minor === 3 ? 235 : 227;
  const vlrs = spec.vlrs ?? [];
  const vlrBytes = vlrs.reduce((n, v) => n + 54 + v.data.length, 0);
  const pointOffset = headerSize + vlrBytes;
  const recordLength = CORE[spec.pf]! + (spec.extraBytes ?? 0);
  const evlrs = spec.evlrs ?? [];
  const evlrBytes = evlrs.reduce((n, v) => n + 60 + v.data.length, 0);
  const total = pointOffset + recordLength * spec.points.length + evlrBytes;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(new TextEncoder().encode('LASF'), 0);
  out[24] = 1;
  out[25] = minor;
  out.set(new TextEncoder().encode('Test System'), 26);
  out.set(new TextEncoder().encode(spec.software ?? 'Test Writer 1.0'), 58);
  dv.setUint16(94, headerSize, true);
  dv.setUint32(96, pointOffset, true);
  dv.setUint32(100, vlrs.length, true);
  out[104] = spec.pf;
  dv.setUint16(105, recordLength, true);
  dv.setUint32(107, spec.legacyCount ?? (spec.pf > 5 ? 0 : spec.points.length), true);
  const scale = spec.scale ?? 0.01;
  const offset = spec.offset ?? [1000, 2000, 0];
  for (let k = 0; k < 3; k++) {
    dv.setFloat64(131 + 8 * k, scale, true);
    dv.setFloat64(155 + 8 * k, offset[k]!, true);
  }
  if (minor >= 4) {
    dv.setBigUint64(247, BigInt(spec.points.length), true);
    if (evlrs.length) {
      dv.setBigUint64(235, BigInt(pointOffset + recordLength * spec.points.length), true);
      dv.setUint32(243, evlrs.length, true);
    }
  }
  let p = headerSize;
  for (const v of vlrs) {
    out.set(new TextEncoder().encode(v.user), p + 2);
    dv.setUint16(p + 18, v.id, true);
    dv.setUint16(p + 20, v.data.length, true);
    out.set(new TextEncoder().encode('test record'), p + 22);
    out.set(v.data, p + 54);
    p += 54 + v.data.length;
  }
  const pf = spec.pf;
  for (const pt of spec.points) {
    dv.setInt32(p, Math.round((pt.x - offset[0]) / scale), true);
    dv.setInt32(p + 4, Math.round((pt.y - offset[1]) / scale), true);
    dv.setInt32(p + 8, Math.round((pt.z - offset[2]) / scale), true);
    dv.setUint16(p + 12, pt.intensity ?? 0, true);
    const rn = pt.returnNumber ?? 0;
    const nr = pt.returns ?? 0;
    out[p + 14] = pf < 6 ? (rn & 7) | ((nr & 7) << 3) : (rn & 15) | ((nr & 15) << 4);
    if (pf < 6) out[p + 15] = (pt.cls ?? 0) | 0x80; // synthetic/withheld flags live in the top bits
    else out[p + 16] = pt.cls ?? 0;
    const gps = pf === 1 || pf === 3 || pf === 4 || pf === 5 ? 20 : pf >= 6 ? 22 : -1;
    if (gps >= 0) dv.setFloat64(p + gps, pt.gps ?? 0, true);
    const rgb = pf === 2 ? 20 : pf === 3 || pf === 5 ? 28 : pf === 7 || pf === 8 || pf === 10 ? 30 : -1;
    if (rgb >= 0) pt.rgb?.forEach((c, k) => dv.setUint16(p + rgb + 2 * k, c, true));
    if (pf === 8 || pf === 10) dv.setUint16(p + 36, pt.nir ?? 0, true);
    pt.extra?.forEach((b, k) => (out[p + CORE[pf]! + k] = b));
    p += recordLength;
  }
  for (const v of evlrs) {
    out.set(new TextEncoder().encode(v.user), p + 2);
    dv.setUint16(p + 18, v.id, true);
    dv.setBigUint64(p + 20, BigInt(v.data.length), true);
    out.set(v.data, p + 60);
    p += 60 + v.data.length;
  }
  return out;
}
