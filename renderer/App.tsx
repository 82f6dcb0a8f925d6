import { useState, type ReactNode } from 'react';
import {
  ActionIcon,
  AppShell,
  Badge,
  Button,
  Group,
  Loader,
  Modal,
  MantineProvider,
  NavLink,
  Text,
  Title,
  Tooltip,
  createTheme,
  localStorageColorSchemeManager,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Permission } from '../common/permissions';
import { TRPCProvider, createClient, useTRPC } from './lib/trpc';
import { messageOf } from './lib/forms';
import { SystemScreen } from './features/system/SystemScreen';
import { RecoveryCodesNotice, SignInScreen } from './features/auth/SignInScreen';
import { LockScreen } from './features/auth/LockScreen';
import { PatientsScreen } from './features/patients/PatientsScreen';
import { StaffScreen } from './features/admin/StaffScreen';
import { AuditScreen } from './features/admin/AuditScreen';
import { BackupsScreen } from './features/admin/BackupsScreen';
import { ModelScreen } from './features/admin/ModelScreen';
import { ClinicsScreen } from './features/admin/ClinicsScreen';
import { IncomingScansScreen } from './features/lan/IncomingScansScreen';
import { TabletsScreen } from './features/lan/TabletsScreen';
import { OperationsScreen } from './features/operations/OperationsScreen';
import { SyncScreen } from './features/sync/SyncScreen';
import { HomeScreen } from './features/home/HomeScreen';
import { UpdatesScreen } from './features/updates/UpdatesScreen';
import { MyAccount } from './features/auth/MyAccount';
import type { Go } from './features/home/nav';

const theme = createTheme({ primaryColor: 'teal', defaultRadius: 'md' });
const colorSchemeManager = localStorageColorSchemeManager({ key: 'coherency-color-scheme' });

/** What an area is given: who is signed in, and a way to send them to another area. */
interface AreaContext {
  permissions: Permission[];
  name: string;
  staffId: string;
  clinicId: string;
  go: Go;
  params: { patientId?: string; woundId?: string };
}

/** The areas of the app. Only areas that work, and that the signed-in roles may use, are listed. */
interface Area {
  id: string;
  label: string;
  group: string;
  needs?: Permission;
  render: (ctx: AreaContext) => ReactNode;
}
const AREAS: Area[] = [
  { id: 'home', label: 'Home', group: 'Start', render: ({ permissions, name, go }) => <HomeScreen permissions={permissions} name={name} go={go} /> },
  { id: 'patients', label: 'Patients & wounds', group: 'Clinical', needs: 'patients.demographics.read', render: ({ permissions, params }) => <PatientsScreen permissions={permissions} initial={params} /> },
  { id: 'incoming-scans', label: 'Incoming scans', group: 'Clinical', needs: 'clinical.read', render: ({ permissions }) => <IncomingScansScreen permissions={permissions} /> },
  { id: 'operations', label: 'Clinic operations', group: 'Operations', needs: 'bookings.read', render: ({ permissions }) => <OperationsScreen permissions={permissions} /> },
  { id: 'sync', label: 'Sync', group: 'Operations', needs: 'sync.read', render: ({ permissions }) => <SyncScreen permissions={permissions} /> },
  { id: 'tablets', label: 'Tablets (LAN)', group: 'Administration', needs: 'devices.manage', render: () => <TabletsScreen /> },
  { id: 'staff', label: 'Staff', group: 'Administration', needs: 'staff.manage', render: ({ staffId }) => <StaffScreen meId={staffId} /> },
  { id: 'audit', label: 'Audit log', group: 'Administration', needs: 'audit.read', render: () => <AuditScreen /> },
  { id: 'backups', label: 'Backups & keys', group: 'Administration', needs: 'backup.manage', render: () => <BackupsScreen /> },
  { id: 'model', label: 'Wound model', group: 'Administration', needs: 'settings.manage', render: () => <ModelScreen /> },
  { id: 'clinics', label: 'Clinics', group: 'Administration', needs: 'clinics.enrol', render: ({ clinicId }) => <ClinicsScreen currentClinicId={clinicId} /> },
  { id: 'updates', label: 'Updates', group: 'Administration', needs: 'settings.manage', render: () => <UpdatesScreen /> },
  { id: 'system', label: 'System', group: 'Administration', render: () => <SystemScreen /> },
];

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

function Header({ transport, children }: { transport: string; children?: ReactNode }) {
  return (
    <Group h="100%" px="md" justify="space-between">
      <Group gap="sm">
        <Title order={3}>Coherency Workstation</Title>
        <Badge variant="light" data-testid="transport-badge">{transport === 'ipc' ? 'Desktop' : 'Browser host'}</Badge>
      </Group>
      <Group gap="sm">
        {children}
        <ThemeToggle />
      </Group>
    </Group>
  );
}

function Shell({ transport }: { transport: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Polled, so that an idle lock decided by the service shows without a click.
  const me = useQuery({ ...trpc.auth.me.queryOptions(), refetchInterval: 30_000 });
  const logout = useMutation(trpc.auth.logout.mutationOptions({ onSettled: () => queryClient.clear() }));
  const lock = useMutation(trpc.auth.lock.mutationOptions({ onSettled: () => void queryClient.invalidateQueries(trpc.auth.me.queryFilter()) }));
  /**
   * Where this person is. Tied to who is signed in: after a sign-in (another person, or the same
   * one again) the app opens on the home screen, never on the previous user's last screen.
   */
  const [nav, setNav] = useState<{ staffId: string; areaId: string; params: AreaContext['params']; visit: number } | null>(null);
  const [showSystem, setShowSystem] = useState(false);
  /** My account (the header's name): the member's own two-step sign-in. */
  const [accountOpen, setAccountOpen] = useState(false);
  /** Recovery codes of an authenticator just set up at sign-in: shown once, over the app, until confirmed. */
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);

  if (me.isPending) return <Loader m="xl" aria-label="Starting" />;
  const session = me.data ?? null;
  // Signed out (by the button, the idle timeout or elsewhere): the next sign-in starts at home.
  if (!session && nav !== null) setNav(null);
  if ((!session || session.locked) && accountOpen) setAccountOpen(false);
  if (!session || session.locked) {
    // Signed out or locked: only the sign-in / lock screen, and the System screen (no patient data).
    return (
      <AppShell header={{ height: 56 }} padding="md">
        <AppShell.Header>
          <Header transport={transport}>
            <Button size="xs" variant={showSystem ? 'filled' : 'default'} onClick={() => setShowSystem((v) => !v)}>
              {showSystem ? (session ? 'Back to unlock' : 'Back to sign-in') : 'System'}
            </Button>
          </Header>
        </AppShell.Header>
        <AppShell.Main>{showSystem ? <SystemScreen /> : session ? <LockScreen name={session.staff.displayName} /> : <SignInScreen onRecoveryCodes={setRecoveryCodes} />}</AppShell.Main>
      </AppShell>
    );
  }
  const permissions = session.permissions;
  const areas = AREAS.filter((a) => !a.needs || permissions.includes(a.needs));
  const here = nav?.staffId === session.staff.id ? nav : null;
  const area = areas.find((a) => a.id === here?.areaId) ?? areas[0]!;
  const go: Go = (areaId, params = {}) => setNav({ staffId: session.staff.id, areaId, params, visit: (nav?.visit ?? 0) + 1 });
  const groups = [...new Set(areas.map((a) => a.group))];
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 230, breakpoint: 'sm' }} padding="md">
      <AppShell.Header>
        <Header transport={transport}>
          <Button size="xs" variant="subtle" data-testid="signed-in-as" aria-label={`My account: ${session.staff.displayName} · ${session.clinic.name}`} onClick={() => setAccountOpen(true)}>
            {session.staff.displayName} · {session.clinic.name}
          </Button>
          {(lock.isError || logout.isError) && <Text size="sm" c="red" role="alert">{lock.isError ? 'Not locked' : 'Not signed out'}: {messageOf(lock.error ?? logout.error)}</Text>}
          <Button size="xs" variant="default" onClick={() => lock.mutate()}>Lock</Button>
          <Button size="xs" variant="default" onClick={() => logout.mutate()}>Sign out</Button>
        </Header>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Main">
        {groups.map((g) => (
          <div key={g}>
            <Text size="xs" c="dimmed" tt="uppercase" fw={600} mt="sm" mb={4} px="xs">{g}</Text>
            {areas.filter((a) => a.group === g).map((a) => (
              <NavLink key={a.id} label={a.label} active={a.id === area.id} onClick={() => go(a.id)} component="button" />
            ))}
          </div>
        ))}
      </AppShell.Navbar>
      <AppShell.Main key={`${session.staff.id}:${here?.visit ?? 0}`}>
        {area.render({ permissions, name: session.staff.displayName, staffId: session.staff.id, clinicId: session.clinic.id, go, params: here?.params ?? {} })}
      </AppShell.Main>
      {accountOpen && <MyAccount key={session.staff.id} name={session.staff.displayName} onClose={() => setAccountOpen(false)} />}
      <Modal opened={recoveryCodes !== null} onClose={() => undefined} withCloseButton={false} closeOnEscape={false} closeOnClickOutside={false} title="Your recovery codes">
        {recoveryCodes && <RecoveryCodesNotice codes={recoveryCodes} onDone={() => setRecoveryCodes(null)} />}
      </Modal>
    </AppShell>
  );
}

function isUnauthorized(error: unknown): boolean {
  return (error as { data?: { code?: string } } | null)?.data?.code === 'UNAUTHORIZED';
}

/** FORBIDDEN where the screen thought it was allowed: the roles may have changed since (a demotion reaches live sessions at once). */
function isForbidden(error: unknown): boolean {
  return (error as { data?: { code?: string } } | null)?.data?.code === 'FORBIDDEN';
}

export function App() {
  const [queryClient] = useState(() => {
    // A locked or ended session surfaces as UNAUTHORIZED anywhere, changed roles as FORBIDDEN: re-read who is signed in and what they may do.
    const recheck = (error: unknown) => {
      if (isUnauthorized(error) || isForbidden(error)) void client.invalidateQueries({ queryKey: [['auth', 'me']] });
    };
    const client: QueryClient = new QueryClient({
      queryCache: new QueryCache({ onError: recheck }),
      mutationCache: new MutationCache({ onError: recheck }),
      defaultOptions: { queries: { retry: (count, error) => !isUnauthorized(error) && count < 1, refetchOnWindowFocus: true } },
    });
    return client;
  });
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
