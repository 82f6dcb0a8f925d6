import { useState } from 'react';
import { Alert, Badge, Button, Checkbox, Group, Loader, Modal, NumberInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { InvoiceDetail } from '../../../common/billing';
import { PAYMENT_METHODS, type InvoiceStatus, type PaymentMethod } from '../../../common/operations';
import type { Permission } from '../../../common/permissions';
import { localDate } from '../../../common/time';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { formatMoney, newId, parseMoney, STATUS_LABELS, useCommand, useOpsSettings } from '../operations/lib';

export type Aging = '0-30' | '31-60' | '61-90' | '90+';

/** Invoices: draft → issued → part-paid → paid, or void; payments, credit notes (refunds), claims. */
export function BillingScreen({ permissions, aging: initialAging = null }: { permissions: Permission[]; aging?: Aging | null }) {
  const trpc = useTRPC();
  const { timeZone } = useOpsSettings();
  const [status, setStatus] = useState<InvoiceStatus | null>(null);
  const [aging, setAging] = useState<Aging | null>(initialAging);
  const invoices = useQuery(trpc.billing.list.queryOptions({ status, aging, patientId: null, limit: 200 }));
  const [openId, setOpenId] = useState<string | null>(null);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Billing</Title>
        <Group>
          <Select aria-label="Status" placeholder="Any status" data={(['draft', 'issued', 'part_paid', 'paid', 'void'] as const).map((s) => ({ value: s, label: STATUS_LABELS[s]! }))} value={status} onChange={(v) => setStatus(v as InvoiceStatus | null)} clearable w={160} />
          <Select aria-label="Unpaid for" placeholder="Any age" data={['0-30', '31-60', '61-90', '90+'].map((a) => ({ value: a, label: `Unpaid ${a} days` }))} value={aging} onChange={(v) => setAging(v as Aging | null)} clearable w={180} />
        </Group>
      </Group>
      {invoices.isPending ? <Loader /> : invoices.isError ? <Alert color="red">{messageOf(invoices.error)}</Alert> : invoices.data.length === 0 ? <Text c="dimmed">No invoices match.</Text> : (
        <Table highlightOnHover data-testid="invoices">
          <Table.Thead><Table.Tr><Table.Th>Number</Table.Th><Table.Th>Patient</Table.Th><Table.Th>Status</Table.Th><Table.Th>Issued</Table.Th><Table.Th>Total</Table.Th><Table.Th>Balance</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {invoices.data.map((v) => (
              <Table.Tr key={v.id}>
                <Table.Td>{v.finalNumber ?? v.number}</Table.Td>
                <Table.Td>{v.patientName}</Table.Td>
                <Table.Td><Badge variant="light" data-testid="invoice-status">{STATUS_LABELS[v.status]}</Badge></Table.Td>
                <Table.Td>{v.issuedAt ? localDate(v.issuedAt, timeZone) : '—'}</Table.Td>
                <Table.Td>{formatMoney(v.totalCents, v.currency)}</Table.Td>
                <Table.Td>{formatMoney(v.balanceCents, v.currency)}</Table.Td>
                <Table.Td><Button size="xs" variant="light" onClick={() => setOpenId(v.id)} aria-label={`Open invoice ${v.number}`}>Open</Button></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {openId && <InvoiceModal id={openId} onClose={() => setOpenId(null)} canWrite={permissions.includes('billing.write')} />}
    </Stack>
  );
}

export function InvoiceModal({ id, onClose, canWrite }: { id: string; onClose(): void; canWrite: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invoice = useQuery(trpc.billing.get.queryOptions({ id }));
  const [panel, setPanel] = useState<'none' | 'pay' | 'credit' | 'void'>('none');
  const refresh = () => {
    void queryClient.invalidateQueries(trpc.billing.pathFilter());
    void queryClient.invalidateQueries(trpc.operations.pathFilter());
    setPanel('none');
  };
  const issue = useCommand(trpc.billing.issue.mutationOptions({ onSuccess: refresh }));
  const claim = useCommand(trpc.billing.createClaim.mutationOptions({ onSuccess: refresh }));
  const coverages = useQuery({ ...trpc.billing.coverages.queryOptions({ patientId: invoice.data?.patientId ?? '' }), enabled: !!invoice.data });
  const [coverageId, setCoverageId] = useState<string | null>(null);
  const [payer, setPayer] = useState({ payerName: '', payerIdentifier: '', memberId: '' });
  const addCoverage = useCommand(trpc.billing.setCoverage.mutationOptions({ onSuccess: (r) => { void queryClient.invalidateQueries(trpc.billing.coverages.pathFilter()); setCoverageId((r as { coverageId: string }).coverageId); setPayer({ payerName: '', payerIdentifier: '', memberId: '' }); } }));
  const v = invoice.data;
  return (
    <Modal opened onClose={onClose} title={v ? `Invoice ${v.finalNumber ?? v.number}` : 'Invoice'} size="xl">
      {!v ? <Loader /> : (
        <Stack>
          <Group justify="space-between">
            <Text fw={600}>{v.patientName} · {v.mrn}</Text>
            <Badge size="lg" data-testid="invoice-detail-status">{STATUS_LABELS[v.status]}</Badge>
          </Group>
          <Table data-testid="invoice-lines">
            <Table.Thead><Table.Tr><Table.Th>Line</Table.Th><Table.Th>Qty</Table.Th><Table.Th>Unit</Table.Th><Table.Th>Tax</Table.Th><Table.Th>Total</Table.Th><Table.Th>Credited</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {v.lines.filter((l) => !l.removed).map((l) => (
                <Table.Tr key={l.id}><Table.Td>{l.description}</Table.Td><Table.Td>{l.quantity}</Table.Td><Table.Td>{formatMoney(l.unitPriceCents, v.currency)}</Table.Td><Table.Td>{l.taxRateBp / 100} %</Table.Td><Table.Td>{formatMoney(l.totalCents, v.currency)}</Table.Td><Table.Td>{l.creditedQuantity || ''}</Table.Td></Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group gap="xl" data-testid="invoice-totals">
            <Text>Total <b>{formatMoney(v.totalCents, v.currency)}</b></Text>
            <Text>Credited {formatMoney(v.creditedCents, v.currency)}</Text>
            <Text>Paid {formatMoney(v.paidCents, v.currency)}</Text>
            <Text>Refunded {formatMoney(v.refundedCents, v.currency)}</Text>
            <Text>Balance <b data-testid="invoice-balance">{formatMoney(v.balanceCents, v.currency)}</b></Text>
          </Group>
          {v.payments.length > 0 && <Text size="sm" c="dimmed">{v.payments.map((p) => `${p.kind === 'refund' ? 'Refund' : 'Payment'} ${formatMoney(p.amountCents, v.currency)} (${p.method.replace('_', ' ')}${p.reference ? `, ${p.reference}` : ''})`).join(' · ')}</Text>}
          {v.creditNotes.length > 0 && <Text size="sm" c="dimmed">{v.creditNotes.map((c) => `Credit note ${c.number}: ${formatMoney(c.totalCents, v.currency)} — ${c.reason}`).join(' · ')}</Text>}
          {v.voidReason && <Alert color="gray">Void: {v.voidReason}</Alert>}
          {canWrite && (
            <Group gap="xs">
              {v.status === 'draft' && (
                <>
                  <Select placeholder="Bill the patient" aria-label="Insurance" data={(coverages.data ?? []).filter((c) => c.active).map((c) => ({ value: c.id, label: `${c.payerName} · ${c.memberId}` }))} value={coverageId} onChange={setCoverageId} clearable w={220} />
                  <Button loading={issue.isPending} onClick={() => issue.run({ invoiceId: v.id, coverageId })}>Issue invoice</Button>
                </>
              )}
              {(v.status === 'issued' || v.status === 'part_paid') && <Button variant="light" onClick={() => setPanel('pay')}>Record payment</Button>}
              {(v.status === 'issued' || v.status === 'part_paid' || v.status === 'paid') && <Button variant="light" onClick={() => setPanel('credit')}>Credit / refund lines</Button>}
              {(v.status === 'draft' || (v.status === 'issued' && v.paidCents === 0 && v.creditedCents === 0)) && <Button variant="default" color="red" onClick={() => setPanel('void')}>Void</Button>}
              {v.status !== 'draft' && v.status !== 'void' && !v.claim && <Button variant="default" loading={claim.isPending} onClick={() => claim.run({ claimId: newId(), invoiceId: v.id })}>Create claim</Button>}
              {v.claim && <Badge variant="outline">Claim {STATUS_LABELS[v.claim.status]}</Badge>}
            </Group>
          )}
          {canWrite && v.status === 'draft' && (
            <form noValidate onSubmit={(e) => { e.preventDefault(); addCoverage.run({ coverageId: newId(), patientId: v.patientId, ...payer, active: true }); }}>
              <Group align="flex-end" grow>
                <TextInput size="xs" label="Insurer" value={payer.payerName} onChange={(e) => setPayer({ ...payer, payerName: e.currentTarget.value })} />
                <TextInput size="xs" label="Insurer id" value={payer.payerIdentifier} onChange={(e) => setPayer({ ...payer, payerIdentifier: e.currentTarget.value })} />
                <TextInput size="xs" label="Member number" value={payer.memberId} onChange={(e) => setPayer({ ...payer, memberId: e.currentTarget.value })} />
                <Button size="xs" type="submit" variant="default" loading={addCoverage.isPending} disabled={!payer.payerName.trim() || !payer.payerIdentifier.trim() || !payer.memberId.trim()}>Add insurance</Button>
              </Group>
            </form>
          )}
          {(issue.error ?? claim.error ?? addCoverage.error) ? <Alert color="red">{messageOf(issue.error ?? claim.error ?? addCoverage.error)}</Alert> : null}
          {panel === 'pay' && <PaymentForm invoice={v} onDone={refresh} onBack={() => setPanel('none')} />}
          {panel === 'credit' && <CreditForm invoice={v} onDone={refresh} onBack={() => setPanel('none')} />}
          {panel === 'void' && <VoidForm invoice={v} onDone={refresh} onBack={() => setPanel('none')} />}
        </Stack>
      )}
    </Modal>
  );
}

function PaymentForm({ invoice, onDone, onBack }: { invoice: InvoiceDetail; onDone(): void; onBack(): void }) {
  const trpc = useTRPC();
  const [amount, setAmount] = useState('');
  const [method, setMethod] = useState<PaymentMethod>('card');
  const [reference, setReference] = useState('');
  const pay = useCommand(trpc.billing.recordPayment.mutationOptions({ onSuccess: onDone }));
  const cents = parseMoney(amount, invoice.currency);
  return (
    <form noValidate onSubmit={(e) => { e.preventDefault(); if (cents) pay.run({ invoiceId: invoice.id, paymentId: newId(), amountCents: cents, method, reference: reference || null }); }}>
      <Group align="flex-end" grow>
        <TextInput label={`Amount (${invoice.currency})`} value={amount} onChange={(e) => setAmount(e.currentTarget.value)} error={amount && !cents ? 'Enter an amount, e.g. 20.00' : pay.isError ? messageOf(pay.error) : undefined} data-autofocus />
        <Select label="Method" data={PAYMENT_METHODS.map((m) => ({ value: m, label: m.replace('_', ' ') }))} value={method} onChange={(m) => setMethod((m as PaymentMethod) ?? 'card')} allowDeselect={false} />
        <TextInput label="Reference" value={reference} onChange={(e) => setReference(e.currentTarget.value)} />
        <Group gap="xs"><Button variant="default" onClick={onBack}>Back</Button><Button type="submit" loading={pay.isPending} disabled={!cents}>Save payment</Button></Group>
      </Group>
    </form>
  );
}

function CreditForm({ invoice, onDone, onBack }: { invoice: InvoiceDetail; onDone(): void; onBack(): void }) {
  const trpc = useTRPC();
  const lines = invoice.lines.filter((l) => !l.removed && l.quantity > l.creditedQuantity);
  const [picked, setPicked] = useState<Record<string, number>>({});
  const [reason, setReason] = useState('');
  const [refund, setRefund] = useState(true);
  const [method, setMethod] = useState<PaymentMethod>('card');
  const credit = useCommand(trpc.billing.creditNote.mutationOptions({ onSuccess: onDone }));
  const chosen = Object.entries(picked).filter(([, q]) => q > 0);
  return (
    <form noValidate onSubmit={(e) => { e.preventDefault(); if (chosen.length && reason.trim()) credit.run({ invoiceId: invoice.id, creditNoteId: newId(), reason: reason.trim(), lines: chosen.map(([invoiceLineId, quantity]) => ({ invoiceLineId, quantity })), refund: refund ? { method, reference: null } : null }); }}>
      <Stack gap="xs">
        {lines.map((l) => (
          <Group key={l.id} data-testid={`credit-line-${l.description}`}>
            <Checkbox label={l.description} checked={(picked[l.id] ?? 0) > 0} onChange={(e) => setPicked({ ...picked, [l.id]: e.currentTarget.checked ? l.quantity - l.creditedQuantity : 0 })} />
            <NumberInput aria-label={`Units of ${l.description}`} value={picked[l.id] ?? 0} onChange={(q) => setPicked({ ...picked, [l.id]: Number(q) })} min={0} max={l.quantity - l.creditedQuantity} w={80} size="xs" />
          </Group>
        ))}
        <TextInput label="Reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)} required />
        <Group>
          <Checkbox label="Refund what this leaves overpaid" checked={refund} onChange={(e) => setRefund(e.currentTarget.checked)} />
          {refund && <Select aria-label="Refund method" data={PAYMENT_METHODS.map((m) => ({ value: m, label: m.replace('_', ' ') }))} value={method} onChange={(m) => setMethod((m as PaymentMethod) ?? 'card')} allowDeselect={false} w={160} size="xs" />}
        </Group>
        {credit.error ? <Alert color="red">{messageOf(credit.error)}</Alert> : null}
        <Group justify="flex-end"><Button variant="default" onClick={onBack}>Back</Button><Button type="submit" loading={credit.isPending} disabled={!chosen.length || !reason.trim()}>Issue credit note</Button></Group>
      </Stack>
    </form>
  );
}

function VoidForm({ invoice, onDone, onBack }: { invoice: InvoiceDetail; onDone(): void; onBack(): void }) {
  const trpc = useTRPC();
  const [reason, setReason] = useState('');
  const voidIt = useCommand(trpc.billing.void.mutationOptions({ onSuccess: onDone }));
  return (
    <form noValidate onSubmit={(e) => { e.preventDefault(); if (reason.trim()) voidIt.run({ invoiceId: invoice.id, reason: reason.trim() }); }}>
      <Group align="flex-end" grow>
        <TextInput label="Why is it void? (the invoice and its lines are kept)" value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={voidIt.isError ? messageOf(voidIt.error) : undefined} data-autofocus />
        <Group gap="xs"><Button variant="default" onClick={onBack}>Back</Button><Button type="submit" color="red" loading={voidIt.isPending} disabled={!reason.trim()}>Void invoice</Button></Group>
      </Group>
    </form>
  );
}
