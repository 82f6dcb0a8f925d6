import { useState } from 'react';
import { Alert, Anchor, Badge, Button, Card, Code, Group, Image, Loader, Modal, NumberInput, Progress, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../lib/trpc';
import { formatBytes, formatDateTime, formatTime } from '../../lib/format';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { useNow } from '../../lib/useNow';

type LanView = inferRouterOutputs<AppRouter>['lan']['state'];
type PairingOffer = inferRouterOutputs<AppRouter>['lan']['createPairingOffer'];
type Device = LanView['pairedDevices'][number];

/** The QR code as an <img> data: URL (allowed by the CSP's img-src; no inline markup injected). */
export function svgDataUrl(svg: string): string {
  const bytes = new TextEncoder().encode(svg);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}

const OUTCOME: Record<LanView['recent'][number]['outcome'], { label: string; color: string }> = {
  imported: { label: 'imported onto its wound', color: 'teal' },
  inbox: { label: 'held in Incoming scans', color: 'yellow' },
  failed: { label: 'import failed — held in Incoming scans', color: 'red' },
};

/** IT admins: the LAN receiver tablets upload scans to — start/stop, pairing, paired tablets, live uploads. */
export function TabletsScreen() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const initial = useQuery(trpc.lan.state.queryOptions());
  const live = useSubscription(trpc.lan.onState.subscriptionOptions());
  const state: LanView | undefined = live.data ?? initial.data;
  const [port, setPort] = useState<number | string>('');
  const [offer, setOffer] = useState<PairingOffer | null>(null);
  const [renaming, setRenaming] = useState<Device | null>(null);
  const [revoking, setRevoking] = useState<Device | null>(null);
  const now = useNow(1000);
  const refresh = () => void queryClient.invalidateQueries(trpc.lan.pathFilter());

  const start = useMutation(trpc.lan.start.mutationOptions({ onSuccess: refresh }));
  const stop = useMutation(trpc.lan.stop.mutationOptions({ onSuccess: () => { setOffer(null); refresh(); } }));
  const createOffer = useMutation(trpc.lan.createPairingOffer.mutationOptions({ onSuccess: (o) => setOffer(o) }));
  const cancelOffer = useMutation(trpc.lan.cancelPairingOffer.mutationOptions({ onSettled: () => setOffer(null) }));
  const rename = useMutation(trpc.lan.renameDevice.mutationOptions({ onSuccess: () => { setRenaming(null); refresh(); } }));
  const revoke = useMutation(trpc.lan.revokeDevice.mutationOptions({ onSuccess: () => { setRevoking(null); refresh(); } }));

  // A pairing code is used once: when a tablet pairs (or it expires) the offer disappears from the state.
  const offerLive = offer && state?.pairingOffer?.expiresAt === offer.payload.expiresAt && Date.parse(offer.payload.expiresAt) > now;

  if (initial.isPending && !state) return <Loader aria-label="Loading the LAN receiver" />;
  if (!state) return <Alert color="red" title="Could not read the LAN receiver">{messageOf(initial.error ?? live.error)}</Alert>;
  const otherClinic = state.owner === 'other-clinic';
  const secondsLeft = offer ? Math.max(0, Math.round((Date.parse(offer.payload.expiresAt) - now) / 1000)) : 0;

  return (
    <Stack>
      <Title order={2}>Tablets (LAN)</Title>
      <Text c="dimmed" size="sm">
        Clinic tablets pair with this workstation by QR code and upload scans to it over the clinic network (HTTPS, pinned certificate). Scans for a known patient and
        wound are imported at once; the others wait in <b>Incoming scans</b> for a nurse.
      </Text>
      {otherClinic && <Alert color="yellow" title="In use by another clinic">The receiver on this workstation is running for another clinic. Its administrator can stop it.</Alert>}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Group justify="space-between" mb="sm">
            <Title order={4}>Receiver</Title>
            <Badge color={state.running ? 'teal' : 'gray'} variant="light" data-testid="lan-status">{state.running ? 'running' : 'stopped'}</Badge>
          </Group>
          {state.running && !otherClinic ? (
            <Table>
              <Table.Tbody>
                <Table.Tr><Table.Th scope="row" w={140}>Address</Table.Th><Table.Td data-testid="lan-addresses">{state.addresses.join(', ') || '—'}</Table.Td></Table.Tr>
                <Table.Tr><Table.Th scope="row">Port</Table.Th><Table.Td data-testid="lan-port">{state.port}</Table.Td></Table.Tr>
                <Table.Tr><Table.Th scope="row">Certificate</Table.Th><Table.Td><Code data-testid="lan-fingerprint" style={{ wordBreak: 'break-all' }}>{state.fingerprint}</Code></Table.Td></Table.Tr>
                <Table.Tr><Table.Th scope="row">Discovery</Table.Th><Table.Td>{state.advertising ? 'advertised on the LAN (DNS-SD)' : 'not advertised'}</Table.Td></Table.Tr>
              </Table.Tbody>
            </Table>
          ) : (
            !otherClinic && (
              <NumberInput label="Port" description={`Default ${state.defaultPort}${state.defaultPort === 0 ? ' (any free port)' : ''}`} placeholder={String(state.defaultPort)} min={0} max={65535} value={port} onChange={setPort} w={220} />
            )
          )}
          {(start.isError || stop.isError) && <Alert color="red" mt="sm">{messageOf(start.error ?? stop.error)}</Alert>}
          {!otherClinic && (
            <Group mt="md">
              {state.running ? (
                <Button color="red" variant="light" onClick={() => stop.mutate()} loading={stop.isPending}>Stop</Button>
              ) : (
                <Button onClick={() => start.mutate(typeof port === 'number' ? { port } : {})} loading={start.isPending}>Start</Button>
              )}
            </Group>
          )}
        </Card>

        <Card withBorder>
          <Title order={4} mb="sm">Pair a tablet</Title>
          {!state.running || otherClinic ? (
            <Text c="dimmed">Start the receiver to pair a tablet.</Text>
          ) : offer && offerLive ? (
            <Stack gap="xs" align="flex-start" data-testid="pairing-offer">
              <Text size="sm">Scan this code with the capture app on the tablet. It works once and expires in <b data-testid="pairing-expires">{Math.floor(secondsLeft / 60)}:{String(secondsLeft % 60).padStart(2, '0')}</b>.</Text>
              <Image src={svgDataUrl(offer.qrSvg)} alt="Pairing QR code" w={240} h={240} fit="contain" data-testid="pairing-qr" />
              <Text size="sm">One-time code: <Code fz="lg" data-testid="pairing-code">{offer.payload.code}</Code></Text>
              <PayloadForTesting payload={JSON.stringify(offer.payload)} />
              <Button variant="default" size="xs" onClick={() => cancelOffer.mutate()}>Cancel code</Button>
            </Stack>
          ) : (
            <Stack gap="xs" align="flex-start">
              <Text size="sm" c="dimmed">A pairing code works once and for a few minutes; showing a new one cancels the previous.</Text>
              <Button onClick={() => createOffer.mutate()} loading={createOffer.isPending}>Show pairing code</Button>
              {createOffer.isError && <Alert color="red">{messageOf(createOffer.error)}</Alert>}
            </Stack>
          )}
        </Card>
      </SimpleGrid>

      {!otherClinic && (
        <Card withBorder>
          <Title order={4} mb="sm">Paired tablets</Title>
          {state.pairedDevices.length === 0 ? (
            <Text c="dimmed">No tablet is paired with this clinic.</Text>
          ) : (
            <Table data-testid="paired-devices">
              <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>App</Table.Th><Table.Th>Paired</Table.Th><Table.Th /></Table.Tr></Table.Thead>
              <Table.Tbody>
                {state.pairedDevices.map((d) => (
                  <Table.Tr key={d.id}>
                    <Table.Td>{d.name}</Table.Td>
                    <Table.Td>{d.app}</Table.Td>
                    <Table.Td>{formatDateTime(d.pairedAt)}</Table.Td>
                    <Table.Td>
                      <Group gap="xs" justify="flex-end">
                        <Button size="xs" variant="default" onClick={() => setRenaming(d)} aria-label={`Rename ${d.name}`}>Rename</Button>
                        <Button size="xs" variant="light" color="red" onClick={() => setRevoking(d)} aria-label={`Revoke ${d.name}`}>Revoke</Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Card>
      )}

      {state.running && !otherClinic && (
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Card withBorder>
            <Title order={4} mb="sm">Uploads in progress</Title>
            {state.uploadsInFlight.length === 0 ? (
              <Text c="dimmed">None.</Text>
            ) : (
              <Stack data-testid="uploads-in-flight">
                {state.uploadsInFlight.map((u) => (
                  <div key={u.id}>
                    <Group justify="space-between"><Text size="sm">{u.deviceName || 'Tablet'}</Text><Text size="sm" c="dimmed">{formatBytes(u.bytesReceived)} of {formatBytes(u.size)}</Text></Group>
                    <Progress value={u.size ? (100 * u.bytesReceived) / u.size : 0} aria-label={`Upload from ${u.deviceName || 'tablet'}`} />
                  </div>
                ))}
              </Stack>
            )}
          </Card>
          <Card withBorder>
            <Title order={4} mb="sm">Recent arrivals</Title>
            {state.recent.length === 0 ? (
              <Text c="dimmed">No scan has arrived since the receiver started.</Text>
            ) : (
              <Table data-testid="recent-arrivals">
                <Table.Tbody>
                  {state.recent.map((a) => (
                    <Table.Tr key={a.uploadId}>
                      <Table.Td>{formatTime(a.at)}</Table.Td>
                      <Table.Td>{a.deviceName || 'Tablet'}</Table.Td>
                      <Table.Td>{formatBytes(a.size)}</Table.Td>
                      <Table.Td><Badge variant="light" color={OUTCOME[a.outcome].color}>{OUTCOME[a.outcome].label}</Badge>{a.errorCode && <Text size="xs" c="dimmed">{a.errorCode}</Text>}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Card>
        </SimpleGrid>
      )}

      {renaming && <RenameDialog key={renaming.id} device={renaming} onClose={() => setRenaming(null)} onSave={(name) => rename.mutate({ id: renaming.id, name })} pending={rename.isPending} error={rename.isError ? messageOf(rename.error) : null} />}
      <Modal opened={revoking !== null} onClose={() => setRevoking(null)} title="Revoke tablet">
        <Stack>
          <Text>“{revoking?.name}” will no longer be able to upload; an upload in progress stops. To use it again, pair it again.</Text>
          {revoke.isError && <Alert color="red">{messageOf(revoke.error)}</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRevoking(null)}>Keep</Button>
            <Button color="red" loading={revoke.isPending} onClick={() => revoking && revoke.mutate({ id: revoking.id })}>Revoke</Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

function RenameDialog({ device, onClose, onSave, pending, error }: { device: Device; onClose: () => void; onSave: (name: string) => void; pending: boolean; error: string | null }) {
  const [name, setName] = useState(device.name);
  return (
    <Modal opened onClose={onClose} title="Rename tablet">
      <form noValidate onSubmit={(e) => { e.preventDefault(); if (name.trim()) onSave(name.trim()); }}>
        <Stack>
          <TextInput label="Name" required maxLength={64} value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus error={name.trim() ? null : 'A name is required.'} />
          {error && <Alert color="red">{error}</Alert>}
          <Button type="submit" loading={pending}>Save</Button>
        </Stack>
      </form>
    </Modal>
  );
}

/** The pairing payload as text, for the tablet simulator and tests only: out of the way until asked for. */
function PayloadForTesting({ payload }: { payload: string }) {
  const [open, setOpen] = useState(false);
  return (
    <Stack gap={4} w="100%">
      <Anchor component="button" type="button" size="xs" c="dimmed" onClick={() => setOpen((v) => !v)} aria-expanded={open}>
        {open ? 'Hide the payload' : 'For testing: the pairing payload (tools/tablet-sim)'}
      </Anchor>
      {open && <Code block data-testid="pairing-payload" style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap', maxWidth: '100%' }}>{payload}</Code>}
    </Stack>
  );
}
