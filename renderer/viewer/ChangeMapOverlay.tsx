/**
 * The change map drawn over the later scan: each measured point of the wound region coloured by
 * its signed change from the earlier visit (mm), on a diverging scale — magenta where the surface
 * lies deeper, white where it did not move, green where it filled in (granulation) or rose. A
 * pink/green scale (ColorBrewer PiYG) reads apart for the common red–green colour blindness. On
 * OVERLAY_LAYER, so PotreeCloud draws it over the points; `matrix` places it when the later scan is
 * shown in the earlier scan's coordinates (the overlay of two visits).
 */
import { useEffect, useMemo } from 'react';
import { useThree } from '@react-three/fiber';
import { BufferAttribute, BufferGeometry, Group, Matrix4, Points, PointsMaterial } from 'three';
import { Group as UiGroup, Stack, Text } from '@mantine/core';
import { dispose, linear, OVERLAY_LAYER } from './AssessmentOverlay';

/** The scale's ends and middle (sRGB 0..255): deeper, unchanged, filled in. */
export const DEEPER_RGB: [number, number, number] = [197, 27, 125];
export const UNCHANGED_RGB: [number, number, number] = [247, 247, 247];
export const FILLED_RGB: [number, number, number] = [77, 146, 33];

/** Colour of a change, t = change / scale clamped to −1..1. */
export function changeColour(t: number): [number, number, number] {
  const x = Math.max(-1, Math.min(1, t));
  const [from, to, f] = x < 0 ? [UNCHANGED_RGB, DEEPER_RGB, -x] : [UNCHANGED_RGB, FILLED_RGB, x];
  return [from[0] + f * (to[0] - from[0]), from[1] + f * (to[1] - from[1]), from[2] + f * (to[2] - from[2])];
}

export interface ChangeMapData {
  positions: number[];
  changeMm: (number | null)[];
  scaleMm: number;
  /** Row-major 4×4 placing the points (absent: the points' own coordinates). */
  matrix?: number[] | null;
}

function build(data: ChangeMapData): Group {
  const group = new Group();
  const keep = data.changeMm.flatMap((v, i) => (v === null ? [] : [i]));
  const positions = new Float32Array(3 * keep.length);
  const colours = new Float32Array(3 * keep.length);
  keep.forEach((i, j) => {
    positions[3 * j] = data.positions[3 * i]!;
    positions[3 * j + 1] = data.positions[3 * i + 1]!;
    positions[3 * j + 2] = data.positions[3 * i + 2]!;
    colours.set(linear(changeColour(data.changeMm[i]! / data.scaleMm)), 3 * j);
  });
  const geometry = new BufferGeometry();
  geometry.setAttribute('position', new BufferAttribute(positions, 3));
  geometry.setAttribute('color', new BufferAttribute(colours, 3));
  const points = new Points(geometry, new PointsMaterial({ size: 4, sizeAttenuation: false, vertexColors: true, depthTest: false, toneMapped: false }));
  points.layers.set(OVERLAY_LAYER);
  points.renderOrder = 10;
  points.frustumCulled = false;
  if (data.matrix) {
    points.matrixAutoUpdate = false;
    points.matrix.copy(new Matrix4().set(...(data.matrix as Parameters<Matrix4['set']>)));
  }
  group.add(points);
  return group;
}

export function ChangeMapOverlay({ data }: { data: ChangeMapData }) {
  const { invalidate } = useThree();
  const group = useMemo(() => build(data), [data]);
  useEffect(() => {
    invalidate();
    return () => dispose(group);
  }, [group, invalidate]);
  return <primitive object={group} dispose={null} />;
}

/** The legend over the canvas: the scale in mm, deeper to filled in. */
export function ChangeLegend({ scaleMm }: { scaleMm: number }) {
  const stops = [-1, -0.5, 0, 0.5, 1].map((t) => `rgb(${changeColour(t).map(Math.round).join(',')}) ${((t + 1) / 2) * 100}%`).join(', ');
  return (
    <Stack gap={2} data-testid="change-legend" w={190}>
      <Text size="xs" c="white">Change since the earlier visit</Text>
      <div style={{ height: 10, borderRadius: 2, background: `linear-gradient(to right, ${stops})` }} />
      <UiGroup justify="space-between">
        <Text size="xs" c="white" data-testid="change-legend-min">−{scaleMm.toFixed(1)} mm</Text>
        <Text size="xs" c="white">0</Text>
        <Text size="xs" c="white" data-testid="change-legend-max">+{scaleMm.toFixed(1)} mm</Text>
      </UiGroup>
      <UiGroup justify="space-between">
        <Text size="xs" c="white">deeper</Text>
        <Text size="xs" c="white">filled in</Text>
      </UiGroup>
    </Stack>
  );
}
