/**
 * What the assessment draws over the scan: the outline (a closed line, thickened by dense dots so
 * it reads at any zoom) with its vertex handles, the lid as a translucent mesh, and the wound
 * points coloured by depth (heat map) or by tissue class (tissue map). Everything sits on OVERLAY_LAYER, which PotreeCloud draws
 * in a second pass after the point cloud (and its eye-dome lighting), so nothing hides it.
 * Built imperatively the drei way: in useMemo, disposed in cleanup.
 */
import { useEffect, useMemo } from 'react';
import { useThree } from '@react-three/fiber';
import { BufferAttribute, BufferGeometry, Color, DoubleSide, SRGBColorSpace, Group, Line, LineBasicMaterial, LineLoop, Mesh, MeshBasicMaterial, Points, PointsMaterial, type Object3D } from 'three';

export const OVERLAY_LAYER = 2;
/** The outline's colour (cyan: far from skin and wound-bed hues). Tests look for it on the canvas. */
export const OUTLINE_RGB: [number, number, number] = [0, 229, 255];
const SELECTED_RGB: [number, number, number] = [255, 214, 10];
/** The head-direction marker (magenta: unlike skin, wound bed, the outline and the heat map). */
export const HEAD_RGB: [number, number, number] = [255, 64, 255];
/** Tissue map colours, in TISSUE_TYPES order (granulation, slough, eschar, epithelium): the red /
 *  yellow / black / pink of the wound-colour model, saturated so they read over the bed's own colours. */
export const TISSUE_RGB: [number, number, number][] = [
  [230, 30, 50],
  [255, 220, 0],
  [35, 25, 20],
  [255, 150, 220],
];
/** Above this many vertices only the selected vertex's handle is drawn. */
const MAX_HANDLES = 48;

export interface OverlayData {
  outline: [number, number, number][];
  /** Index of the vertex being dragged or last placed. */
  selected: number | null;
  /** Draw the vertex handles (false for a read-only outline). Default true. */
  handles?: boolean;
  lid: { positions: number[]; indices: number[] } | null;
  depth: { positions: number[]; depthMm: number[]; max: number } | null;
  /** The wound points coloured by tissue class (index into TISSUE_RGB; -1 not drawn). Drawn over the depth colours. */
  tissue?: { positions: number[]; classes: number[] } | null;
  /** The nurse's head direction: a line from the outline's centre to the point marked towards the head. */
  head?: { from: [number, number, number]; to: [number, number, number] } | null;
  /** Annotations (markers, rulers, undermining/tunnelling, regions): a dot at each point, joined by a line. */
  marks?: { points: [number, number, number][]; colour: [number, number, number] }[];
}

/** Annotation colours: markers orange, rulers white-green, undermining/tunnelling red-violet, regions lime. */
export const MARK_RGB = { marker: [255, 140, 0], ruler: [120, 255, 170], undermining: [200, 60, 255], tunnelling: [200, 60, 255], region: [190, 255, 40], draft: [255, 255, 255] } as const satisfies Record<string, [number, number, number]>;

/** Heat map from shallow (blue) through green and yellow to deep (red); t in 0..1. */
export function heatColour(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t));
  const stops: [number, [number, number, number]][] = [
    [0, [43, 80, 235]],
    [0.33, [40, 200, 120]],
    [0.66, [250, 220, 40]],
    [1, [230, 40, 30]],
  ];
  for (let i = 1; i < stops.length; i++) {
    const [t1, c1] = stops[i]!;
    const [t0, c0] = stops[i - 1]!;
    if (x <= t1) {
      const f = (x - t0) / (t1 - t0);
      return [c0[0] + f * (c1[0] - c0[0]), c0[1] + f * (c1[1] - c0[1]), c0[2] + f * (c1[2] - c0[2])];
    }
  }
  return stops[stops.length - 1]![1];
}

/** Points along the closed outline about every `stepMm`, so the line reads as a few pixels wide. */
function densify(outline: [number, number, number][], stepMm: number): Float32Array {
  const out: number[] = [];
  const n = outline.length;
  const segments = n >= 3 ? n : n - 1;
  for (let i = 0; i < segments; i++) {
    const a = outline[i]!;
    const b = outline[(i + 1) % n]!;
    const len = Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2]);
    const steps = Math.max(1, Math.ceil(len / stepMm));
    for (let s = 0; s < steps; s++) {
      const f = s / steps;
      out.push(a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2]));
    }
  }
  return new Float32Array(out);
}

/** An sRGB colour (0..255, as the legend and the tests see it) in the renderer's linear working space. */
export function linear(c: [number, number, number]): [number, number, number] {
  const col = new Color().setRGB(c[0] / 255, c[1] / 255, c[2] / 255, SRGBColorSpace);
  return [col.r, col.g, col.b];
}

/** Points of one colour, a fixed number of pixels across. */
function dots(positions: Float32Array, colour: [number, number, number], size: number): Points {
  const geometry = new BufferGeometry();
  geometry.setAttribute('position', new BufferAttribute(positions, 3));
  const material = new PointsMaterial({ size, sizeAttenuation: false, depthTest: false });
  material.color.setRGB(...linear(colour));
  return new Points(geometry, material);
}

/** A line through `points` (closed from 3 points on, as `densify`), thickened by dense dots so it
 *  reads at any zoom. */
function addDottedLine(group: Group, points: [number, number, number][], colour: [number, number, number]): void {
  const geometry = new BufferGeometry();
  geometry.setAttribute('position', new BufferAttribute(new Float32Array(points.flat()), 3));
  const material = new LineBasicMaterial({ depthTest: false });
  material.color.setRGB(...linear(colour));
  group.add(points.length >= 3 ? new LineLoop(geometry, material) : new Line(geometry, material));
  group.add(dots(densify(points, 0.4), colour, 3));
}

function build(data: OverlayData): Group {
  const group = new Group();
  const rgb = linear;
  if (data.lid && data.lid.indices.length >= 3) {
    const g = new BufferGeometry();
    g.setAttribute('position', new BufferAttribute(new Float32Array(data.lid.positions), 3));
    g.setIndex(data.lid.indices);
    group.add(new Mesh(g, new MeshBasicMaterial({ color: 0x74c0fc, transparent: true, opacity: 0.28, side: DoubleSide, depthWrite: false, depthTest: false })));
  }
  if (data.depth && data.depth.depthMm.length > 0) {
    const n = data.depth.depthMm.length;
    const colours = new Float32Array(3 * n);
    const max = data.depth.max > 0 ? data.depth.max : 1;
    for (let i = 0; i < n; i++) {
      colours.set(linear(heatColour(data.depth.depthMm[i]! / max)), 3 * i);
    }
    const g = new BufferGeometry();
    g.setAttribute('position', new BufferAttribute(new Float32Array(data.depth.positions), 3));
    g.setAttribute('color', new BufferAttribute(colours, 3));
    group.add(new Points(g, new PointsMaterial({ size: 4, sizeAttenuation: false, vertexColors: true, depthTest: false })));
  }
  if (data.tissue && data.tissue.classes.length > 0) {
    const keep = data.tissue.classes.flatMap((c, i) => (c >= 0 && c < TISSUE_RGB.length ? [i] : []));
    const positions = new Float32Array(3 * keep.length);
    const colours = new Float32Array(3 * keep.length);
    const palette = TISSUE_RGB.map(linear);
    keep.forEach((i, j) => {
      positions.set(data.tissue!.positions.slice(3 * i, 3 * i + 3), 3 * j);
      colours.set(palette[data.tissue!.classes[i]!]!, 3 * j);
    });
    const g = new BufferGeometry();
    g.setAttribute('position', new BufferAttribute(positions, 3));
    g.setAttribute('color', new BufferAttribute(colours, 3));
    group.add(new Points(g, new PointsMaterial({ size: 4, sizeAttenuation: false, vertexColors: true, depthTest: false })));
  }
  // Vertex handles, drawn under the line so it stays readable: all of them while the outline is
  // sparse enough for them to be told apart (a drawn one, the model's simplified one); on a dense
  // outline only the selected one, or they would hide the line.
  if (data.handles !== false && data.outline.length >= 1 && (data.outline.length <= MAX_HANDLES || data.selected !== null)) {
    const handles = new BufferGeometry();
    const shown = data.outline.length <= MAX_HANDLES ? data.outline.map((_, i) => i) : [data.selected!];
    const n = shown.length;
    handles.setAttribute('position', new BufferAttribute(new Float32Array(shown.flatMap((i) => data.outline[i] ?? [0, 0, 0])), 3));
    const colours = new Float32Array(3 * n);
    shown.forEach((i, k) => colours.set(rgb(i === data.selected ? SELECTED_RGB : [255, 255, 255]), 3 * k));
    handles.setAttribute('color', new BufferAttribute(colours, 3));
    group.add(new Points(handles, new PointsMaterial({ size: 8, sizeAttenuation: false, vertexColors: true, depthTest: false })));
  }
  if (data.outline.length >= 2) addDottedLine(group, data.outline, OUTLINE_RGB);
  if (data.head) {
    const { from, to } = data.head;
    addDottedLine(group, [from, to], HEAD_RGB);
    group.add(dots(new Float32Array(to), HEAD_RGB, 11));
  }
  for (const m of data.marks ?? []) {
    if (m.points.length >= 2) addDottedLine(group, m.points, m.colour);
    group.add(dots(new Float32Array(m.points.flat()), m.colour, 10));
  }
  group.traverse((o: Object3D) => {
    o.layers.set(OVERLAY_LAYER);
    o.renderOrder = 10;
    o.frustumCulled = false;
    // Exact colours (the legend's, the outline's): r3f's default ACES tone mapping would wash the
    // cyan out to a pale grey-blue and shift the heat map away from its legend.
    const material = (o as Mesh).material;
    for (const m of Array.isArray(material) ? material : material ? [material] : []) m.toneMapped = false;
  });
  return group;
}

/** Frees an overlay group's geometries and materials (the drei way: the builder's owner disposes). */
export function dispose(group: Group): void {
  group.traverse((o) => {
    const m = o as Mesh;
    m.geometry?.dispose();
    const material = m.material;
    if (Array.isArray(material)) material.forEach((x) => x.dispose());
    else material?.dispose();
  });
}

export function AssessmentOverlay({ data }: { data: OverlayData }) {
  const { invalidate } = useThree();
  const group = useMemo(() => build(data), [data]);
  useEffect(() => {
    invalidate();
    return () => dispose(group);
  }, [group, invalidate]);
  return <primitive object={group} dispose={null} />;
}
