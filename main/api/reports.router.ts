/**
 * Reports (issue 18), doctors only (`reports.export`): the signed PDF of a visit or of a wound's
 * course, with snapshots of the 3D view captured in the renderer, and the wound's FHIR R4 bundle.
 * Files travel as base64 so both transports carry them the same way.
 */
import { z } from 'zod';
import { idSchema } from '../../common/records';
import { MAX_SNAPSHOT_BYTES, MAX_SNAPSHOTS } from '../reports/index';
import { permitted, router } from './trpc';

const snapshots = z
  .array(z.object({ caption: z.string().trim().max(200), dataUrl: z.string().max(Math.ceil((MAX_SNAPSHOT_BYTES * 4) / 3) + 64, 'A snapshot is at most 2 MB') }))
  .max(MAX_SNAPSHOTS, `At most ${MAX_SNAPSHOTS} snapshots`)
  .default([]);
const file = z.object({ fileName: z.string(), contentType: z.string(), base64: z.string() });
const pdf = (f: { fileName: string; bytes: Uint8Array }) => ({ fileName: f.fileName, contentType: 'application/pdf', base64: Buffer.from(f.bytes).toString('base64') });

export const reportsRouter = router({
  visitPdf: permitted('reports.export')
    .input(z.object({ assessmentId: idSchema, snapshots }))
    .output(file)
    .mutation(async ({ ctx, input }) => pdf(await ctx.clinic.reports.visitPdf(input, ctx.actor))),

  coursePdf: permitted('reports.export')
    .input(z.object({ woundId: idSchema, snapshots }))
    .output(file)
    .mutation(async ({ ctx, input }) => pdf(await ctx.clinic.reports.coursePdf(input, ctx.actor))),

  fhirBundle: permitted('reports.export')
    .input(z.object({ woundId: idSchema, includeNameAndBirthDate: z.boolean().default(true) }))
    .output(file)
    .mutation(async ({ ctx, input }) => {
      const { fileName, bundle } = await ctx.clinic.reports.fhirBundle(input, ctx.actor);
      return { fileName, contentType: 'application/fhir+json', base64: Buffer.from(JSON.stringify(bundle, null, 2)).toString('base64') };
    }),
});
