import type { StaffRole } from '../../../common/permissions';

export const ROLE_LABELS: Record<StaffRole, string> = { nurse: 'Nurse', doctor: 'Doctor', manager: 'Clinic manager', 'it-admin': 'IT administrator' };
