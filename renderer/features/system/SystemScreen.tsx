import { useState } from 'react';
import { Alert, Badge, Card, Group, Loader, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useTRPC } from '../../lib/trpc';
import { formatBytes } from '../../lib/format';

/** App version, transport, platform, runtime versions, ONNX Runtime providers, live memory. */
export function SystemScreen() {
  const trpc = useTRPC();
  const info = useQuery(trpc.system.info.queryOptions());
  const [updates, setUpdates] = useState(0);
  const memory = useSubscription(
    trpc.system.memory.subscriptionOptions({ intervalMs: 1000 }, { onData: () => setUpdates((n) => n + 1) }),
  );

  if (info.isPending) return <Loader aria-label="Loading system information" />;
  if (info.isError) return <Alert color="red" title="Could not reach the workstation service">{info.error.message}</Alert>;
  const s = info.data;
  const row = (label: string, value: string | null, testId: string) => (
    <Table.Tr key={label}>
      <Table.Th scope="row" w={220}>{label}</Table.Th>
      <Table.Td data-testid={testId}>{value ?? '—'}</Table.Td>
    </Table.Tr>
  );
  return (
    <Stack>
      <Title order={2}>System</Title>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Title order={4} mb="sm">This workstation</Title>
          <Table>
            <Table.Tbody>
              {row('App version', `${s.appName} ${s.appVersion}`, 'app-version')}
              {row('Transport', s.transport === 'ipc' ? 'IPC (Electron)' : s.transport === 'http' ? 'HTTP + WebSocket (browser host)' : s.transport, 'transport')}
              {row('Platform', `${s.platform} ${s.arch} (${s.osRelease})`, 'platform')}
              {row('CPU cores', String(s.cpus), 'cpus')}
              {row('Memory', formatBytes(s.totalMemoryBytes), 'total-memory')}
              {row('Node.js', s.versions.node, 'node-version')}
              {row('Electron', s.versions.electron, 'electron-version')}
              {row('Chromium', s.versions.chrome ?? chromiumFromUserAgent(), 'chromium-version')}
            </Table.Tbody>
          </Table>
        </Card>
        <Card withBorder>
          <Title order={4} mb="sm">ONNX Runtime {s.onnxRuntime.version ?? ''}</Title>
          {s.onnxRuntime.error && <Alert color="red">{s.onnxRuntime.error}</Alert>}
          <Text size="sm" c="dimmed" mb="xs">Execution providers reported by onnxruntime-node on this machine</Text>
          <Table data-testid="ort-providers">
            <Table.Thead>
              <Table.Tr><Table.Th>Provider</Table.Th><Table.Th>Status</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {s.onnxRuntime.providers.map((p) => (
                <Table.Tr key={p.name} data-testid={`ort-provider-${p.name}`}>
                  <Table.Td>{p.name}</Table.Td>
                  <Table.Td>
                    <Badge color={p.available ? 'teal' : 'gray'} variant="light">{p.available ? 'available' : 'not installed'}</Badge>
                    {p.note && <Text size="xs" c="dimmed">{p.note}</Text>}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
        <Card withBorder>
          <Title order={4} mb="sm">Live: service memory</Title>
          {memory.data ? (
            <Group gap="xl">
              <div><Text size="xs" c="dimmed">Resident</Text><Text fw={600} data-testid="memory-rss">{formatBytes(memory.data.rssBytes)}</Text></div>
              <div><Text size="xs" c="dimmed">JS heap</Text><Text fw={600}>{formatBytes(memory.data.heapUsedBytes)}</Text></div>
              <div><Text size="xs" c="dimmed">Updates</Text><Text fw={600} data-testid="memory-updates">{updates}</Text></div>
            </Group>
          ) : memory.error ? (
            <Alert color="red">{memory.error.message}</Alert>
          ) : (
            <Loader size="sm" aria-label="Waiting for the first memory sample" />
          )}
        </Card>
      </SimpleGrid>
    </Stack>
  );
}

function chromiumFromUserAgent(): string | null {
  const match = /Chrom(?:e|ium)\/([\d.]+)/.exec(navigator.userAgent);
  return match ? `${match[1]} (this browser)` : null;
}
