/**
 * Claim exports: CSV in the documented layout (README, `CLAIM_CSV_COLUMNS`), one row per billed line
 * net of credit notes; and FHIR R4 `Claim` resources (a `collection` Bundle for a batch), each
 * validated against the R4 definitions before it leaves. Patient, coverage and the clinic travel
 * as contained resources, so a claim is complete on its own.
 */
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Bundle, Claim, Money } from '@medplum/fhirtypes';
import { CLAIM_CSV_COLUMNS } from '../../common/billing';
import { localDate } from '../../common/time';
import { OperationNotFoundError } from '../commands/index';
import { appendAudit, actorRole, tables, type Actor, type ClinicRecord } from '../records/index';
import { assertValidR4 } from './fhir';
import { creditMoney, decimal } from './money';

const { claims: Cl, invoices: V, invoiceLines: VL, creditNoteLines: CNL, coverages: Cov, patients: P, serviceCodes: SC, stockItems: I } = tables;

interface ClaimData {
  claimId: string;
  status: string;
  invoiceNumber: string;
  issuedAt: number;
  currency: string;
  patient: { id: string; mrn: string; familyName: string; givenName: string; dateOfBirth: string; sex: string };
  coverage: { id: string; payerName: string; payerIdentifier: string; memberId: string };
  lines: Array<{ code: string; system: string; description: string; quantity: number; unitPriceCents: number; amountCents: number; taxCents: number; totalCents: number }>;
  totalCents: number;
}

export interface ClaimsExport {
  csv(claimIds: string[], actor: Actor): string;
  fhir(claimIds: string[], actor: Actor): Bundle;
}

export const SERVICE_CODE_SYSTEM = 'urn:coherency:service-code';
export const SKU_SYSTEM = 'urn:coherency:sku';

export function createClaimsExport(deps: { record: ClinicRecord; timeZone: () => string }): ClaimsExport {
  const { record } = deps;
  const { db } = record;

  function load(claimIds: string[]): ClaimData[] {
    const rows = db
      .select({ claim: Cl, inv: V, patient: P, coverage: Cov })
      .from(Cl)
      .innerJoin(V, eq(V.id, Cl.invoiceId))
      .innerJoin(P, eq(P.id, V.patientId))
      .innerJoin(Cov, eq(Cov.id, Cl.coverageId))
      .where(inArray(Cl.id, claimIds))
      .all();
    const found = new Set(rows.map((r) => r.claim.id));
    for (const id of claimIds) if (!found.has(id)) throw new OperationNotFoundError('claim', id);
    return rows.map(({ claim, inv, patient, coverage }) => {
      const lines = db
        .select({ line: VL, code: SC.code, sku: I.sku, credited: sql<number>`(SELECT coalesce(sum(${CNL.quantity}), 0) FROM ${CNL} WHERE ${CNL.invoiceLineId} = ${VL.id})` })
        .from(VL)
        .leftJoin(SC, eq(SC.id, VL.serviceCodeId))
        .leftJoin(I, eq(I.id, VL.itemId))
        .where(and(eq(VL.invoiceId, inv.id), isNull(VL.removedAt)))
        .orderBy(VL.createdAt, sql`invoice_lines.rowid`)
        .all()
        .filter((l) => l.line.quantity - l.credited > 0)
        .map(({ line, code, sku, credited }) => {
          // The line net of what credit notes took back.
          const back = creditMoney(line, 0, credited, inv.currency);
          const quantity = line.quantity - credited;
          return {
            code: code ?? sku ?? 'MISC',
            system: code ? SERVICE_CODE_SYSTEM : SKU_SYSTEM,
            description: line.description,
            quantity,
            unitPriceCents: line.unitPriceCents,
            amountCents: line.amountCents - back.amountCents,
            taxCents: line.taxCents - back.taxCents,
            totalCents: line.totalCents - back.totalCents,
          };
        });
      return {
        claimId: claim.id,
        status: claim.status,
        invoiceNumber: inv.finalNumber ?? inv.number,
        issuedAt: inv.issuedAt ?? inv.createdAt,
        currency: inv.currency,
        patient: { id: patient.id, mrn: patient.mrn, familyName: patient.familyName, givenName: patient.givenName, dateOfBirth: patient.dateOfBirth, sex: patient.sex },
        coverage: { id: coverage.id, payerName: coverage.payerName, payerIdentifier: coverage.payerIdentifier, memberId: coverage.memberId },
        lines,
        totalCents: lines.reduce((s, l) => s + l.totalCents, 0),
      };
    });
  }

  function audited<T>(actor: Actor, claimIds: string[], action: string, fn: () => T): T {
    return record.transaction(() => {
      const out = fn();
      for (const id of claimIds) appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action, entity: 'claim', entityId: id });
      return out;
    });
  }

  function toClaim(c: ClaimData): Claim {
    const tz = deps.timeZone();
    const serviced = localDate(c.issuedAt, tz);
    const money = (cents: number): Money => ({ value: Number(decimal(cents, c.currency)), currency: c.currency as Money['currency'] });
    const gender = ({ female: 'female', male: 'male', other: 'other', unknown: 'unknown' } as const)[c.patient.sex as 'female'] ?? 'unknown';
    return {
      resourceType: 'Claim',
      id: c.claimId,
      contained: [
        { resourceType: 'Patient', id: 'patient', identifier: [{ system: 'urn:coherency:mrn', value: c.patient.mrn }], name: [{ family: c.patient.familyName, given: [c.patient.givenName] }], gender, birthDate: c.patient.dateOfBirth },
        { resourceType: 'Organization', id: 'payer', identifier: [{ system: 'urn:coherency:payer', value: c.coverage.payerIdentifier }], name: c.coverage.payerName },
        { resourceType: 'Coverage', id: 'coverage', status: 'active', subscriberId: c.coverage.memberId, beneficiary: { reference: '#patient' }, payor: [{ reference: '#payer' }] },
        { resourceType: 'Organization', id: 'provider', name: record.clinicName },
      ],
      identifier: [{ system: 'urn:coherency:invoice', value: c.invoiceNumber }],
      status: 'active',
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
      use: 'claim',
      patient: { reference: '#patient' },
      created: new Date(c.issuedAt).toISOString(),
      provider: { reference: '#provider' },
      priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
      insurance: [{ sequence: 1, focal: true, coverage: { reference: '#coverage' } }],
      item: c.lines.map((l, i) => ({
        sequence: i + 1,
        productOrService: { coding: [{ system: l.system, code: l.code, display: l.description }], text: l.description },
        servicedDate: serviced,
        quantity: { value: l.quantity },
        unitPrice: money(l.unitPriceCents),
        net: money(l.totalCents),
      })),
      total: money(c.totalCents),
    };
  }

  return {
    csv(claimIds, actor) {
      return audited(actor, claimIds, 'claim.export_csv', () => {
        const tz = deps.timeZone();
        const rows: string[] = [CLAIM_CSV_COLUMNS.join(',')];
        for (const c of load(claimIds)) {
          c.lines.forEach((l, i) => {
            const row: Record<(typeof CLAIM_CSV_COLUMNS)[number], string | number> = {
              claim_id: c.claimId, invoice_number: c.invoiceNumber, invoice_date: localDate(c.issuedAt, tz), patient_mrn: c.patient.mrn, patient_family_name: c.patient.familyName,
              patient_given_name: c.patient.givenName, patient_birth_date: c.patient.dateOfBirth, payer_name: c.coverage.payerName, payer_id: c.coverage.payerIdentifier, member_id: c.coverage.memberId,
              line_no: i + 1, service_code: l.code, description: l.description, service_date: localDate(c.issuedAt, tz), quantity: l.quantity, unit_price: decimal(l.unitPriceCents, c.currency),
              net: decimal(l.amountCents, c.currency), tax: decimal(l.taxCents, c.currency), total: decimal(l.totalCents, c.currency), currency: c.currency, claim_total: decimal(c.totalCents, c.currency),
            };
            rows.push(CLAIM_CSV_COLUMNS.map((col) => csvField(row[col])).join(','));
          });
        }
        return `${rows.join('\r\n')}\r\n`;
      });
    },
    fhir(claimIds, actor) {
      return audited(actor, claimIds, 'claim.export_fhir', () => {
        const claims = load(claimIds).map(toClaim);
        for (const claim of claims) assertValidR4(claim);
        const bundle: Bundle = { resourceType: 'Bundle', type: 'collection', timestamp: new Date().toISOString(), entry: claims.map((resource) => ({ fullUrl: `urn:uuid:${resource.id}`, resource })) };
        assertValidR4(bundle);
        return bundle;
      });
    },
  };
}

/** RFC 4180 quoting; a leading = + - @ is prefixed with ' so a spreadsheet never runs it as a formula. */
export function csvField(value: string | number): string {
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
