/** FHIR R4 validation of Claims before export: the shared validator (main/shared/fhir-validate.ts), as this domain's error. */
import type { Resource } from '@medplum/fhirtypes';
import { r4Problems } from '../shared/fhir-validate';
import { FhirInvalidError } from './errors';

/** Throws FhirInvalidError naming the first problems (paths and messages, no values). */
export function assertValidR4(resource: Resource): void {
  const problems = r4Problems(resource);
  if (problems.length > 0) throw new FhirInvalidError(problems.join('; '));
}
