/**
 * The 3D viewer nurses use: orbit, pan, zoom, fit to scan, reset; point budget; eye-dome
 * lighting; colour by RGB, height or a per-point attribute; a scale bar in mm; picking a point
 * shows its coordinates; screenshot to PNG. Loading and errors are always shown.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Canvas, useThree } from '@react-three/fiber';
import { Alert, Button, Group, Loader, NumberInput, Paper, SegmentedControl, Stack, Switch, Text } from '@mantine/core';
import { Matrix4, Vector3, type Box3, type Camera, type PerspectiveCamera } from 'three';
import { OrbitControls as OrbitControlsImpl } from 'three/examples/jsm/controls/OrbitControls.js';
import { PotreeCloud, type CompanionCloud, type LoadedCloud, type OctreeCheck } from './PotreeCloud';
import { useViewerSettings, viewerStore, type ColorMode } from './viewer-store';

export interface ScanViewerProps {
  /** URL of the scan's octree metadata.json (authenticated route / app protocol). */
  url: string;
  /** Units of the octree coordinates, for the scale bar and the picked coordinates. */
  unitsPerMm?: number;
  attributes?: string[];
  onScreenshot?(png: Blob): void;
  /** Drawn inside the scene (e.g. the assessment overlay). */
  overlay?: React.ReactNode;
  /** Outline editing: clicks add vertices, dragging a vertex handle moves it along the surface. */
  editor?: OutlineEditor;
  /** Shown over the canvas, top right (e.g. the depth legend). */
  legend?: React.ReactNode;
  /** Height of the 3D view in CSS pixels (default 560). */
  height?: number;
  /** Draw the scan in one colour (two visits overlaid). */
  tint?: [number, number, number] | null;
  /** A second scan in the same scene, placed by its transform (two visits overlaid). */
  companion?: CompanionCloud | null;
  /** Cameras that move together: this viewer follows the others on the bus and they follow it. */
  cameraLink?: CameraLink | null;
}

export interface CameraPose {
  position: Vec3Tuple;
  target: Vec3Tuple;
  up: Vec3Tuple;
}

/** Camera poses passed between linked viewers, in shared coordinates. */
export interface CameraBus {
  publish(from: string, pose: CameraPose): void;
  subscribe(id: string, listener: (pose: CameraPose) => void): () => void;
}

export function createCameraBus(): CameraBus {
  const listeners = new Map<string, (pose: CameraPose) => void>();
  return {
    publish(from, pose) {
      for (const [id, listener] of listeners) if (id !== from) listener(pose);
    },
    subscribe(id, listener) {
      listeners.set(id, listener);
      return () => listeners.delete(id);
    },
  };
}

/** How one viewer joins a bus: its id, and the transform from its scan's coordinates to the shared ones (row-major 4×4). */
export interface CameraLink {
  bus: CameraBus;
  id: string;
  toShared: number[];
}

export type Vec3Tuple = [number, number, number];

/** Puts points back on the scanned surface (the point under each one on the screen); null where none is. */
export type SurfaceSnap = (points: Vec3Tuple[]) => (Vec3Tuple | null)[];

export interface OutlineEditor {
  vertices: Vec3Tuple[];
  /** When true, a click on the scan adds a vertex at the picked surface point. */
  drawing: boolean;
  onAdd(point: Vec3Tuple): void;
  /** A vertex handle is being dragged to `point` (called as the pointer moves). */
  onMove(index: number, point: Vec3Tuple): void;
  /** The drag ended at `point`; `snap` puts other moved points back on the surface. */
  onMoveEnd?(index: number, point: Vec3Tuple, snap: SurfaceSnap): void;
  onSelect?(index: number | null): void;
  /** When true, pressing and dragging on the scan paints (orbiting pauses): `onPaint` gets each point. */
  painting?: boolean;
  onPaint?(point: Vec3Tuple | null, phase: 'start' | 'move' | 'end'): void;
}

interface ControlsApi {
  fit(box: Box3): void;
  reset(): void;
  /** Millimetres per screen pixel at the orbit target. */
  mmPerPixel(unitsPerMm: number): number;
  /** Orbiting on or off (off while a vertex is dragged). */
  setEnabled(enabled: boolean): void;
  /** A world point in normalised device coordinates. */
  project(p: Vec3Tuple): [number, number];
}

function createOrbitControls(camera: Camera, element: HTMLElement): OrbitControlsImpl {
  const controls = new OrbitControlsImpl(camera, element);
  controls.enableDamping = false;
  controls.screenSpacePanning = true;
  return controls;
}

/** Camera moves for the toolbar; plain functions over the three.js objects they mutate. */
function createControlsApi(camera: Camera, controls: OrbitControlsImpl, invalidate: () => void, viewportHeight: () => number): ControlsApi {
  let home: { position: Vector3; target: Vector3 } | null = null;
  return {
    fit(box) {
      const cam = camera as PerspectiveCamera;
      const center = box.getCenter(new Vector3());
      const radius = box.getSize(new Vector3()).length() / 2 || 1;
      const distance = radius / Math.sin((cam.fov * Math.PI) / 360);
      cam.near = distance / 1000;
      cam.far = distance * 100;
      cam.up.set(0, 0, 1);
      cam.position.copy(center).add(new Vector3(0, -distance * 0.6, distance * 0.8));
      cam.updateProjectionMatrix();
      controls.target.copy(center);
      controls.update();
      home ??= { position: cam.position.clone(), target: center.clone() };
      invalidate();
    },
    reset() {
      if (!home) return;
      camera.position.copy(home.position);
      controls.target.copy(home.target);
      controls.update();
      invalidate();
    },
    mmPerPixel(unitsPerMm) {
      const cam = camera as PerspectiveCamera;
      const distance = cam.position.distanceTo(controls.target);
      const visibleHeight = 2 * distance * Math.tan((cam.fov * Math.PI) / 360);
      return visibleHeight / viewportHeight() / unitsPerMm;
    },
    setEnabled(enabled) {
      controls.enabled = enabled;
    },
    project(p) {
      const v = new Vector3(p[0], p[1], p[2]).project(camera);
      return [v.x, v.y];
    },
  };
}

const matrixOf = (rowMajor: number[]) => new Matrix4().set(...(rowMajor as Parameters<Matrix4['set']>));

/**
 * OrbitControls owned the drei way: built in useMemo, connected in an effect, disposed in cleanup.
 * With a link, every change of this camera is published (in shared coordinates) and every pose
 * another viewer publishes is taken over (without publishing it back).
 */
function Controls({ apiRef, onChange, link }: { apiRef: React.MutableRefObject<ControlsApi | null>; onChange(): void; link?: CameraLink | null }) {
  const { camera, gl, invalidate, size } = useThree();
  const controls = useMemo(() => createOrbitControls(camera, gl.domElement), [camera, gl]);
  const height = useRef(size.height);
  useEffect(() => {
    height.current = size.height;
  }, [size.height]);
  const linkKey = link ? `${link.id}:${link.toShared.join(',')}` : null;
  const linkRef = useRef(link);
  useEffect(() => {
    linkRef.current = link;
  });
  useEffect(() => {
    const current = linkRef.current;
    const toShared = current ? matrixOf(current.toShared) : null;
    const fromShared = toShared ? toShared.clone().invert() : null;
    let applying = false;
    const changed = () => {
      invalidate();
      onChange();
      if (!current || !toShared || applying) return;
      const up = camera.up.clone().transformDirection(toShared);
      current.bus.publish(current.id, {
        position: camera.position.clone().applyMatrix4(toShared).toArray() as Vec3Tuple,
        target: controls.target.clone().applyMatrix4(toShared).toArray() as Vec3Tuple,
        up: up.toArray() as Vec3Tuple,
      });
    };
    controls.addEventListener('change', changed);
    const off = current?.bus.subscribe(current.id, (pose) => {
      if (!fromShared) return;
      applying = true;
      camera.position.fromArray(pose.position).applyMatrix4(fromShared);
      controls.target.fromArray(pose.target).applyMatrix4(fromShared);
      camera.up.fromArray(pose.up).transformDirection(fromShared);
      controls.update();
      applying = false;
    });
    apiRef.current = createControlsApi(camera, controls, invalidate, () => height.current);
    return () => {
      off?.();
      controls.removeEventListener('change', changed);
      apiRef.current = null;
    };
  }, [controls, camera, invalidate, onChange, apiRef, linkKey]);
  // Disposed once, with the controls themselves (a new link only re-wires the listeners above).
  useEffect(() => () => controls.dispose(), [controls]);
  return null;
}

/** A round length (1, 2, 5 × 10ⁿ mm) that spans about 100 px. */
function scaleBar(mmPerPixel: number): { mm: number; px: number } {
  const target = mmPerPixel * 100;
  const pow = 10 ** Math.floor(Math.log10(target));
  const mm = [1, 2, 5, 10].map((m) => m * pow).find((m) => m >= target * 0.7) ?? 10 * pow;
  return { mm, px: mm / mmPerPixel };
}

/** Remount per scan (`key={url}`) so that loading state starts fresh. */
export function ScanViewer({ url, unitsPerMm = 1, attributes = ['depth_mm', 'wound_label'], onScreenshot, overlay, editor, legend, height = 560, tint = null, companion = null, cameraLink = null }: ScanViewerProps) {
  const settings = useViewerSettings();
  const [state, setState] = useState<{ kind: 'loading' } | { kind: 'ready'; cloud: LoadedCloud } | { kind: 'error'; message: string }>({ kind: 'loading' });
  const [stats, setStats] = useState({ visiblePoints: 0, nodesLoading: 0 });
  const [picked, setPicked] = useState<Vector3 | null>(null);
  const [bar, setBar] = useState<{ mm: number; px: number } | null>(null);
  const [check, setCheck] = useState<OctreeCheck | { error: string } | null>(null);
  const controlsApi = useRef<ControlsApi | null>(null);
  const canvasRef = useRef<HTMLCanvasElement | null>(null);
  const cloudRef = useRef<LoadedCloud | null>(null);

  const updateBar = useCallback(() => {
    const api = controlsApi.current;
    if (api) setBar(scaleBar(api.mmPerPixel(unitsPerMm)));
  }, [unitsPerMm]);

  const onLoaded = useCallback(
    (cloud: LoadedCloud) => {
      cloudRef.current = cloud;
      setState({ kind: 'ready', cloud });
      controlsApi.current?.fit(cloud.extent);
      updateBar();
    },
    [updateBar],
  );
  const onError = useCallback((error: Error) => setState({ kind: 'error', message: error.message }), []);
  const lastStats = useRef(0);
  const onStats = useCallback((s: { visiblePoints: number; nodesLoading: number }) => {
    const now = performance.now();
    if (now - lastStats.current > 250 || s.nodesLoading === 0) {
      lastStats.current = now;
      setStats((prev) => (prev.visiblePoints === s.visiblePoints && prev.nodesLoading === s.nodesLoading ? prev : s));
    }
  }, []);

  const ndcOf = (event: { clientX: number; clientY: number }): [number, number] | null => {
    const canvas = canvasRef.current;
    if (!canvas) return null;
    const rect = canvas.getBoundingClientRect();
    return [((event.clientX - rect.left) / rect.width) * 2 - 1, -(((event.clientY - rect.top) / rect.height) * 2 - 1)];
  };
  const pickAt = (event: { clientX: number; clientY: number }): Vector3 | null => {
    const cloud = cloudRef.current;
    const ndc = ndcOf(event);
    return cloud && ndc ? cloud.pick(ndc[0], ndc[1]) : null;
  };
  const pick = (event: React.MouseEvent<HTMLDivElement>) => {
    if (editor?.drawing || editor?.painting) return;
    setPicked(pickAt(event));
  };
  const toTuple = (p: Vector3): Vec3Tuple => [p.x, p.y, p.z];
  const snap: SurfaceSnap = (points) => {
    const cloud = cloudRef.current;
    const api = controlsApi.current;
    if (!cloud || !api) return points.map(() => null);
    return cloud.pickMany(points.map((p) => api.project(p))).map((p) => (p ? toTuple(p) : null));
  };

  // Outline editing: press on a handle to drag it (orbiting pauses); a click (no drag) adds a
  // vertex while drawing; while painting, press and drag paints.
  const gesture = useRef<{ x: number; y: number; handle: number | null; paint: boolean; moved: boolean; lastMove: number } | null>(null);
  const handleAt = (event: { clientX: number; clientY: number }): number | null => {
    const api = controlsApi.current;
    const canvas = canvasRef.current;
    const ndc = ndcOf(event);
    if (!editor || !api || !canvas || !ndc) return null;
    const rect = canvas.getBoundingClientRect();
    let best: number | null = null;
    let bestD = 10 * 10;
    editor.vertices.forEach((v, i) => {
      const [x, y] = api.project(v);
      const dx = ((x - ndc[0]) * rect.width) / 2;
      const dy = ((y - ndc[1]) * rect.height) / 2;
      const d = dx * dx + dy * dy;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    });
    return best;
  };
  const onPointerDownCapture = (event: React.PointerEvent<HTMLDivElement>) => {
    if (!editor || event.button !== 0) return;
    if (editor.painting) {
      gesture.current = { x: event.clientX, y: event.clientY, handle: null, paint: true, moved: false, lastMove: performance.now() };
      controlsApi.current?.setEnabled(false);
      (event.target as Element).setPointerCapture?.(event.pointerId);
      const p = pickAt(event);
      editor.onPaint?.(p ? toTuple(p) : null, 'start');
      return;
    }
    const handle = handleAt(event);
    gesture.current = { x: event.clientX, y: event.clientY, handle, paint: false, moved: false, lastMove: 0 };
    if (handle !== null) {
      controlsApi.current?.setEnabled(false);
      editor.onSelect?.(handle);
      (event.target as Element).setPointerCapture?.(event.pointerId);
    }
  };
  const onPointerMove = (event: React.PointerEvent<HTMLDivElement>) => {
    const g = gesture.current;
    if (!g || !editor) return;
    if (Math.hypot(event.clientX - g.x, event.clientY - g.y) > 4) g.moved = true;
    if ((g.handle === null && !g.paint) || !g.moved) return;
    const now = performance.now();
    if (now - g.lastMove < 60) return;
    g.lastMove = now;
    const p = pickAt(event);
    if (g.paint) {
      if (p) editor.onPaint?.(toTuple(p), 'move');
    } else if (p) editor.onMove(g.handle!, toTuple(p));
  };
  const onPointerUp = (event: React.PointerEvent<HTMLDivElement>) => {
    const g = gesture.current;
    gesture.current = null;
    if (!g || !editor) return;
    if (g.paint) {
      controlsApi.current?.setEnabled(true);
      const p = g.moved ? pickAt(event) : null;
      editor.onPaint?.(p ? toTuple(p) : null, 'end');
      return;
    }
    if (g.handle !== null) {
      controlsApi.current?.setEnabled(true);
      if (g.moved) {
        const p = pickAt(event);
        if (p) {
          if (editor.onMoveEnd) editor.onMoveEnd(g.handle, toTuple(p), snap);
          else editor.onMove(g.handle, toTuple(p));
        } else editor.onMoveEnd?.(g.handle, editor.vertices[g.handle]!, snap);
      }
      return;
    }
    if (g.moved || !editor.drawing) return;
    const p = pickAt(event);
    if (p) editor.onAdd(toTuple(p));
  };

  const screenshot = () => {
    canvasRef.current?.toBlob((blob) => {
      if (!blob) return;
      if (onScreenshot) onScreenshot(blob);
      else {
        const a = document.createElement('a');
        a.href = URL.createObjectURL(blob);
        a.download = 'scan.png';
        a.click();
        setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      }
    }, 'image/png');
  };

  return (
    <Stack gap="xs">
      <Group gap="sm" wrap="wrap">
        <SegmentedControl
          aria-label="Colour by"
          value={settings.colorMode}
          onChange={(v) => viewerStore.set({ colorMode: v as ColorMode })}
          data={[
            { label: 'Colour', value: 'rgb' },
            { label: 'Height', value: 'height' },
            { label: 'Attribute', value: 'attribute' },
          ]}
        />
        {settings.colorMode === 'attribute' && (
          <SegmentedControl aria-label="Attribute" value={settings.attribute} onChange={(v) => viewerStore.set({ attribute: v })} data={attributes} />
        )}
        <NumberInput
          label="Point budget"
          aria-label="Point budget"
          data-testid="point-budget"
          value={settings.pointBudget}
          min={100_000}
          max={20_000_000}
          step={500_000}
          thousandSeparator=","
          w={160}
          size="xs"
          onChange={(v) => typeof v === 'number' && v >= 100_000 && viewerStore.set({ pointBudget: v })}
        />
        <Switch label="Eye-dome lighting" checked={settings.edl} onChange={(e) => viewerStore.set({ edl: e.currentTarget.checked })} />
        <Button size="xs" variant="default" onClick={() => state.kind === 'ready' && onLoaded(state.cloud)}>Fit to scan</Button>
        <Button size="xs" variant="default" onClick={() => controlsApi.current?.reset()}>Reset view</Button>
        <Button size="xs" variant="default" onClick={screenshot}>Screenshot</Button>
        <Button
          size="xs"
          variant="default"
          disabled={state.kind !== 'ready'}
          onClick={() => {
            if (state.kind !== 'ready') return;
            state.cloud.check().then(setCheck, (e: unknown) => setCheck({ error: e instanceof Error ? e.message : String(e) }));
          }}
        >
          Check octree
        </Button>
        {check && ('error' in check ? (
          <Text size="xs" c="red">{check.error}</Text>
        ) : (
          <Text size="xs" data-testid="octree-check" data-points={check.points} data-min={check.min.join(',')} data-max={check.max.join(',')}>
            {check.points.toLocaleString()} points in {check.nodes} nodes
          </Text>
        ))}
      </Group>
      <div
        style={{ position: 'relative', height, borderRadius: 8, overflow: 'hidden', background: '#111', cursor: editor?.drawing || editor?.painting ? 'crosshair' : undefined }}
        onDoubleClick={pick}
        onPointerDownCapture={onPointerDownCapture}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        data-drawing={editor?.drawing ? 'true' : undefined}
        data-painting={editor?.painting ? 'true' : undefined}
      >
        <Canvas
          data-testid="scan-canvas"
          frameloop="demand"
          ref={canvasRef}
          camera={{ fov: 50, near: 0.1, far: 1e6, position: [0, -10, 10] }}
          gl={{ preserveDrawingBuffer: true, antialias: false }}
        >
          <Controls apiRef={controlsApi} onChange={updateBar} link={cameraLink} />
          <PotreeCloud url={url} settings={settings} onLoaded={onLoaded} onError={onError} onStats={onStats} tint={tint} companion={companion} />
          {overlay}
        </Canvas>
        {legend && (
          <Paper pos="absolute" top={12} right={12} px={8} py={6} bg="rgba(0,0,0,0.6)">
            {legend}
          </Paper>
        )}
        {state.kind === 'loading' && (
          <Group pos="absolute" top="45%" left={0} right={0} justify="center">
            <Loader color="gray" aria-label="Loading scan" />
            <Text c="gray.3">Loading scan…</Text>
          </Group>
        )}
        {state.kind === 'error' && (
          <Alert pos="absolute" top={16} left={16} right={16} color="red" title="The scan could not be shown">{state.message}</Alert>
        )}
        {bar && state.kind === 'ready' && (
          <Paper pos="absolute" bottom={12} left={12} px={8} py={4} bg="rgba(0,0,0,0.55)" data-testid="scale-bar">
            <div style={{ width: bar.px, height: 4, background: 'white' }} />
            <Text size="xs" c="white">{bar.mm >= 10 ? `${bar.mm / 10} cm` : `${bar.mm} mm`}</Text>
          </Paper>
        )}
        <Paper pos="absolute" bottom={12} right={12} px={8} py={4} bg="rgba(0,0,0,0.55)">
          <Text size="xs" c="white" data-testid="visible-points">{stats.visiblePoints.toLocaleString()} points shown{stats.nodesLoading ? ` · loading ${stats.nodesLoading}` : ''}</Text>
          {picked ? (
            <Text size="xs" c="white" data-testid="picked-point">
              x {(picked.x / unitsPerMm).toFixed(1)} · y {(picked.y / unitsPerMm).toFixed(1)} · z {(picked.z / unitsPerMm).toFixed(1)} mm
            </Text>
          ) : (
            <Text size="xs" c="gray.4">Double-click a point to see its coordinates</Text>
          )}
        </Paper>
      </div>
    </Stack>
  );
}
