import { useState, type ReactNode } from 'react';
import {
  ActionIcon,
  AppShell,
  Badge,
  Group,
  MantineProvider,
  NavLink,
  Title,
  Tooltip,
  createTheme,
  localStorageColorSchemeManager,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { TRPCProvider, createClient } from './lib/trpc';
import { SystemScreen } from './features/system/SystemScreen';

const theme = createTheme({ primaryColor: 'teal', defaultRadius: 'md' });
const colorSchemeManager = localStorageColorSchemeManager({ key: 'coherency-color-scheme' });

/** The areas of the app. Only areas that work are listed; later issues add theirs here. */
interface Area {
  id: string;
  label: string;
  render: () => ReactNode;
}
const AREAS: Area[] = [{ id: 'system', label: 'System', render: () => <SystemScreen /> }];

function ThemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const computed = useComputedColorScheme('light');
  const next = computed === 'dark' ? 'light' : 'dark';
  return (
    <Tooltip label={`Switch to ${next} theme`}>
      <ActionIcon variant="default" size="lg" aria-label={`Switch to ${next} theme`} onClick={() => setColorScheme(next)}>
        {computed === 'dark' ? '☀' : '☾'}
      </ActionIcon>
    </Tooltip>
  );
}

function Shell({ transport }: { transport: string }) {
  const [areaId, setAreaId] = useState(AREAS[0]!.id);
  const area = AREAS.find((a) => a.id === areaId) ?? AREAS[0]!;
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm' }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Title order={3}>Coherency Workstation</Title>
            <Badge variant="light" data-testid="transport-badge">{transport === 'ipc' ? 'Desktop' : 'Browser host'}</Badge>
          </Group>
          <ThemeToggle />
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Main">
        {AREAS.map((a) => (
          <NavLink key={a.id} label={a.label} active={a.id === area.id} onClick={() => setAreaId(a.id)} component="button" />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>{area.render()}</AppShell.Main>
    </AppShell>
  );
}

export function App() {
  const [queryClient] = useState(() => new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } } }));
  const [{ client, kind }] = useState(createClient);
  return (
    <MantineProvider theme={theme} colorSchemeManager={colorSchemeManager} defaultColorScheme="auto">
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={client} queryClient={queryClient}>
          <Shell transport={kind} />
        </TRPCProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}
