import { useState } from 'react';
import { Tabs } from '@mantine/core';
import { DatesProvider } from '@mantine/dates';
import type { Permission } from '../../../common/permissions';
import { localDate } from '../../../common/time';
import { BillingScreen, type Aging } from '../billing/BillingScreen';
import { ClaimsScreen } from '../billing/ClaimsScreen';
import { CalendarScreen } from '../bookings/CalendarScreen';
import { MyDayScreen } from '../bookings/MyDayScreen';
import { SetupScreen } from '../bookings/SetupScreen';
import { PatientOrdersScreen } from '../orders/PatientOrdersScreen';
import { PurchaseOrdersScreen } from '../purchasing/PurchaseOrdersScreen';
import { StockScreen, type StockTab } from '../stock/StockScreen';
import { DashboardScreen, type DashboardLink } from './DashboardScreen';
import { useOpsSettings } from './lib';

type Tab = 'dashboard' | 'my-day' | 'calendar' | 'stock' | 'patient-orders' | 'orders' | 'billing' | 'claims' | 'setup';
const TABS: Array<{ id: Tab; label: string; needs: Permission; clinician?: boolean }> = [
  { id: 'dashboard', label: 'Dashboard', needs: 'operations.manage' },
  { id: 'my-day', label: 'My day', needs: 'stock.use', clinician: true },
  { id: 'calendar', label: 'Calendar', needs: 'bookings.read' },
  { id: 'stock', label: 'Stock', needs: 'stock.read' },
  { id: 'patient-orders', label: 'Patient orders', needs: 'orders.read' },
  { id: 'orders', label: 'Purchase orders', needs: 'purchasing.read' },
  { id: 'billing', label: 'Billing', needs: 'billing.read' },
  { id: 'claims', label: 'Claims', needs: 'billing.read' },
  { id: 'setup', label: 'Setup', needs: 'bookings.write' },
];

/** Clinic operations: the manager's working day (dashboard, calendar, stock, orders, billing, claims) and the clinicians' own day. */
export function OperationsScreen({ permissions }: { permissions: Permission[] }) {
  const { timeZone } = useOpsSettings();
  const tabs = TABS.filter((t) => permissions.includes(t.needs));
  const [tab, setTab] = useState<Tab>(tabs[0]?.id ?? 'calendar');
  const [stockTab, setStockTab] = useState<StockTab>('items');
  const [aging, setAging] = useState<Aging | null>(null);
  const [generation, setGeneration] = useState(0);
  const [now] = useState(() => Date.now());
  const today = localDate(now, timeZone);
  const open = (link: DashboardLink) => {
    if (link.to === 'stock') setStockTab(link.tab);
    if (link.to === 'billing') setAging(link.aging);
    setGeneration((g) => g + 1);
    setTab(link.to);
  };
  return (
    <DatesProvider settings={{ firstDayOfWeek: 1 }}>
      <Tabs value={tab} onChange={(v) => { setAging(null); setStockTab('items'); setTab((v as Tab) ?? tabs[0]!.id); }} keepMounted={false}>
        <Tabs.List mb="md">
          {tabs.map((t) => <Tabs.Tab key={t.id} value={t.id}>{t.label}</Tabs.Tab>)}
        </Tabs.List>
        <Tabs.Panel value="dashboard"><DashboardScreen onOpen={open} /></Tabs.Panel>
        <Tabs.Panel value="my-day"><MyDayScreen permissions={permissions} today={today} /></Tabs.Panel>
        <Tabs.Panel value="calendar"><CalendarScreen permissions={permissions} today={today} /></Tabs.Panel>
        <Tabs.Panel value="stock"><StockScreen key={`stock-${generation}`} permissions={permissions} tab={stockTab} onDraftOrder={() => setTab('orders')} /></Tabs.Panel>
        <Tabs.Panel value="patient-orders"><PatientOrdersScreen permissions={permissions} /></Tabs.Panel>
        <Tabs.Panel value="orders"><PurchaseOrdersScreen permissions={permissions} /></Tabs.Panel>
        <Tabs.Panel value="billing"><BillingScreen key={`billing-${generation}`} permissions={permissions} aging={aging} /></Tabs.Panel>
        <Tabs.Panel value="claims"><ClaimsScreen permissions={permissions} /></Tabs.Panel>
        <Tabs.Panel value="setup"><SetupScreen /></Tabs.Panel>
      </Tabs>
    </DatesProvider>
  );
}
