import type { StaffRole } from '../../../common/permissions';

/** Who is acting: every repository call is audited with it. `system` is the app itself (enrolment, migrations). */
export interface Actor {
  id: string;
  roles: readonly (StaffRole | 'system')[];
}

export const SYSTEM_ACTOR: Actor = { id: 'system', roles: ['system'] };

export function actorRole(actor: Actor): string {
  return actor.roles.length ? [...actor.roles].sort().join(',') : 'none';
}
