/** What a report or an export is made of: gathered once from the clinic's record (every read audited there). */
import type { Annotation } from '../../common/annotations';
import type { Assessment } from '../../common/assessments';
import type { Patient, Wound } from '../../common/records';
import type { WoundTrends } from '../review/index';

export interface Snapshot {
  caption: string;
  /** PNG or JPEG bytes (captured from the 3D view in the renderer). */
  image: Uint8Array;
  type: 'png' | 'jpeg';
}

export interface ReportData {
  clinic: { id: string; name: string };
  patient: Pick<Patient, 'mrn' | 'givenName' | 'familyName' | 'dateOfBirth' | 'sex'>;
  wound: Pick<Wound, 'id' | 'bodySite' | 'laterality' | 'etiology' | 'pressureStage' | 'onsetDate' | 'status'>;
  /** One assessment (a visit) or the wound's course, oldest first; voided ones are never included. */
  scope: 'visit' | 'course';
  assessments: Assessment[];
  /** Annotations on the scans of those assessments. */
  annotations: Annotation[];
  snapshots: Snapshot[];
  /** A course report's healing figures, as the review computes them (null in a visit report). */
  trends: WoundTrends | null;
  generatedAt: number;
}

export const ETIOLOGY_LABELS: Record<Wound['etiology'], string> = {
  diabetic_foot_ulcer: 'Diabetic foot ulcer',
  venous_leg_ulcer: 'Venous leg ulcer',
  pressure_injury: 'Pressure injury',
  surgical: 'Surgical wound',
  burn: 'Burn',
  other: 'Other',
};

/** Assessments in the report that no doctor has signed off. */
export const unsignedOf = (data: Pick<ReportData, 'assessments'>): Assessment[] => data.assessments.filter((a) => a.signedOffAt === null);

export const siteOf = (w: ReportData['wound']): string => `${w.bodySite}${w.laterality ? ` (${w.laterality})` : ''}`;
