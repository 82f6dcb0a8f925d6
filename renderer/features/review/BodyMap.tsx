/**
 * The patient overview's body map: a front and a back outline (anatomical position: on the front
 * the patient's right is on the viewer's left) with a marker per wound where its site says, coloured
 * by status; a marker and its line in the list beside open the wound's review. Wounds whose site
 * names no place we know are listed without a marker.
 */
import { Alert, Badge, Group, Loader, Paper, SimpleGrid, Stack, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { BodyMapMarker } from '../../../common/review';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { dateOf } from './format';

const W = 160;
const H = 360;

/** A plain human outline in a 160 × 360 box (head, trunk, arms, legs), the same for front and back. */
const OUTLINE =
  'M80 4 C92 4 100 14 100 28 C100 42 92 52 86 55 L86 62 C104 64 118 68 124 80 L134 150 L144 196 C146 204 140 206 137 199 L122 152 L114 104 L112 170 L110 200 ' +
  'L106 280 L104 340 C104 350 112 352 112 356 L90 356 L90 340 L86 280 L82 212 L78 212 L74 280 L70 340 L70 356 L48 356 C48 352 56 350 56 340 L54 280 L50 200 ' +
  'L48 170 L46 104 L38 152 L23 199 C20 206 14 204 16 196 L26 150 L36 80 C42 68 56 64 74 62 L74 55 C68 52 60 42 60 28 C60 14 68 4 80 4 Z';

const STATUS_COLOUR: Record<string, string> = { open: 'var(--mantine-color-orange-6)', healed: 'var(--mantine-color-teal-6)' };
const colourOf = (status: string) => STATUS_COLOUR[status] ?? 'var(--mantine-color-gray-6)';
const sideOf = (m: BodyMapMarker) => (m.laterality ? ` (${m.laterality})` : '');

function Figure({ view, markers, onOpen }: { view: 'front' | 'back'; markers: BodyMapMarker[]; onOpen(woundId: string): void }) {
  return (
    <Stack gap={2} align="center">
      <Text size="xs" c="dimmed">{view === 'front' ? 'Front' : 'Back'}</Text>
      <svg width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="group" aria-label={`Body outline, ${view}`} data-testid={`body-${view}`}>
        <path d={OUTLINE} fill="var(--mantine-color-gray-1)" stroke="var(--mantine-color-gray-6)" strokeWidth={1.5} />
        {view === 'front' ? (
          <>
            <text x={8} y={14} fontSize={9} fill="var(--mantine-color-gray-6)">R</text>
            <text x={146} y={14} fontSize={9} fill="var(--mantine-color-gray-6)">L</text>
          </>
        ) : (
          <>
            <text x={8} y={14} fontSize={9} fill="var(--mantine-color-gray-6)">L</text>
            <text x={146} y={14} fontSize={9} fill="var(--mantine-color-gray-6)">R</text>
          </>
        )}
        {markers.map((m) => (
          <Tooltip key={m.woundId} label={`${m.bodySite}${sideOf(m)} · ${m.status}`} withinPortal>
            <circle
              cx={m.place!.x * W}
              cy={m.place!.y * H}
              r={7}
              fill={colourOf(m.status)}
              stroke="white"
              strokeWidth={2}
              style={{ cursor: 'pointer' }}
              role="button"
              tabIndex={0}
              aria-label={`${m.bodySite}${sideOf(m)} on the body map`}
              data-testid="body-marker"
              data-status={m.status}
              onClick={() => onOpen(m.woundId)}
              onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && onOpen(m.woundId)}
            />
          </Tooltip>
        ))}
      </svg>
    </Stack>
  );
}

export function BodyMap({ patientId, onOpen }: { patientId: string; onOpen(woundId: string): void }) {
  const trpc = useTRPC();
  const map = useQuery(trpc.review.bodyMap.queryOptions({ patientId }));
  if (map.isPending) return <Loader size="sm" aria-label="Loading the body map" />;
  if (map.isError) return <Alert color="red" title="The body map could not be drawn">{messageOf(map.error)}</Alert>;
  const markers = map.data;
  if (markers.length === 0) return null;
  const placed = (view: 'front' | 'back') => markers.filter((m) => m.place?.view === view);
  return (
    <Paper withBorder p="sm" mb="sm" data-testid="body-map">
      <Text fw={600} mb="xs">Wounds on the body</Text>
      <Group align="flex-start" gap="xl" wrap="nowrap">
        <SimpleGrid cols={2} spacing="xl">
          <Figure view="front" markers={placed('front')} onOpen={onOpen} />
          <Figure view="back" markers={placed('back')} onOpen={onOpen} />
        </SimpleGrid>
        <Stack gap={6}>
          {markers.map((m) => (
            <UnstyledButton key={m.woundId} onClick={() => onOpen(m.woundId)} data-testid="body-map-wound">
              <Group gap={6}>
                <span style={{ width: 10, height: 10, borderRadius: 5, background: colourOf(m.status), display: 'inline-block' }} />
                <Text size="sm" fw={500}>{m.bodySite}{sideOf(m)}</Text>
                <Badge size="xs" variant="light" color={m.status === 'open' ? 'orange' : 'teal'}>{m.status}</Badge>
                {!m.place && <Text size="xs" c="dimmed">(site not on the map)</Text>}
              </Group>
              <Text size="xs" c="dimmed" ml={16}>
                {m.latestAreaCm2 !== null && m.latestAt !== null ? `${m.latestAreaCm2.toFixed(2)} cm² on ${dateOf(m.latestAt)}` : 'No assessment yet'}
              </Text>
            </UnstyledButton>
          ))}
        </Stack>
      </Group>
    </Paper>
  );
}
