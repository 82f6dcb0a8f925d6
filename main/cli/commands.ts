import type { CliCommand } from './command';
import { measureCommand } from './measure.command';
import { octreeCommand } from './octree.command';
import { scanInfoCommand } from './scan-info.command';
import { segmentImageCommand } from './segment-image.command';
import { segmentScanCommand } from './segment-scan.command';
import { versionCommand } from './version.command';
import { fhirExportCommand, fhirImportCommand } from './fhir.command';

/** Every `coherency` sub-command. Add new ones here (one file each: `<name>.command.ts`). */
export const COMMANDS: CliCommand[] = [versionCommand, scanInfoCommand, octreeCommand, measureCommand, segmentImageCommand, segmentScanCommand, fhirExportCommand, fhirImportCommand];
