/**
 * The LAN receiver for IT admins (`devices.manage`): start/stop, pairing codes, paired tablets and
 * a live view of uploads. The receiver is bound to the clinic of the admin who starts it.
 * No patient data passes here: arrivals are shown by id, size and outcome only.
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { LanError } from '../lan/index';
import { LanServiceError, type LanView } from '../inbox/index';
import { eventStream } from './event-stream';
import { permitted, router, sessionGuard } from './trpc';

const manage = permitted('devices.manage');

const deviceInfoSchema = z.object({ id: z.string(), name: z.string(), app: z.string(), pairedAt: z.string(), revokedAt: z.string().optional() });

export const lanViewSchema = z.object({
  running: z.boolean(),
  owner: z.enum(['this-clinic', 'other-clinic']).nullable(),
  addresses: z.array(z.string()),
  port: z.number().nullable(),
  defaultPort: z.number(),
  fingerprint: z.string().nullable(),
  advertising: z.boolean(),
  pairingOffer: z.object({ expiresAt: z.string() }).nullable(),
  pairedDevices: z.array(deviceInfoSchema),
  uploadsInFlight: z.array(z.object({ id: z.string(), deviceId: z.string(), deviceName: z.string(), bytesReceived: z.number(), size: z.number(), startedAt: z.string() })),
  recent: z.array(
    z.object({
      uploadId: z.string(),
      deviceId: z.string(),
      deviceName: z.string(),
      size: z.number(),
      at: z.number(),
      outcome: z.enum(['imported', 'inbox', 'failed']),
      errorCode: z.string().nullable(),
    }),
  ),
});

const pairingOfferSchema = z.object({
  payload: z.object({ v: z.literal(1), host: z.string(), port: z.number(), fingerprint: z.string(), code: z.string(), expiresAt: z.string() }),
  qrSvg: z.string(),
});

const deviceIdSchema = z.string().min(1).max(64).regex(/^[0-9A-Za-z-]+$/, 'not a device id');

/** Receiver and service refusals → tRPC codes (messages carry no patient data). */
async function lanCall<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof LanServiceError) {
      const code = error.code === 'NOT_RUNNING' ? 'PRECONDITION_FAILED' : error.code === 'PORT_NOT_ALLOWED' ? 'BAD_REQUEST' : 'CONFLICT';
      throw new TRPCError({ code, message: error.message, cause: error });
    }
    if (error instanceof LanError) {
      const code = ({ NOT_RUNNING: 'PRECONDITION_FAILED', ALREADY_RUNNING: 'CONFLICT', DEVICE_NOT_FOUND: 'NOT_FOUND', DEVICE_EXISTS: 'CONFLICT', INVALID_DEVICE_NAME: 'BAD_REQUEST' } as const)[error.code as string] ?? 'INTERNAL_SERVER_ERROR';
      throw new TRPCError({ code, message: error.message, cause: error });
    }
    throw error;
  }
}

export const lanRouter = router({
  state: manage.output(lanViewSchema).query(({ ctx }) => ctx.services.lan.view(ctx.clinic.id)),

  /**
   * The state now, then again on every change (uploads in flight at most 4 times a second; changes
   * that arrive while a view is on its way are sent as one), while this session may manage devices.
   */
  onState: manage.subscription(async function* ({ ctx, signal }): AsyncGenerator<LanView> {
    const guard = sessionGuard(ctx, 'devices.manage');
    let queued = false;
    const changes = eventStream<null>(
      (push) => {
        const changed = () => {
          if (queued) return;
          queued = true;
          push(null);
        };
        const sub = ctx.services.lan.onDidChange(changed);
        changed(); // the state now
        return () => sub.dispose();
      },
      signal,
      guard,
    );
    for await (const _change of changes) {
      queued = false;
      yield lanViewSchema.parse(await ctx.services.lan.view(ctx.clinic.id)) as LanView;
    }
  }),

  start: manage
    .input(z.object({ port: z.number().int().min(0).max(65535).optional() }))
    .output(lanViewSchema)
    .mutation(({ ctx, input }) => lanCall(() => ctx.services.lan.start(ctx.clinic, input.port !== undefined ? { port: input.port } : {}))),

  stop: manage.mutation(({ ctx }) => lanCall(() => ctx.services.lan.stop(ctx.clinic.id))),

  /** A one-time pairing code (valid a few minutes) and its QR code as an SVG document. */
  createPairingOffer: manage.output(pairingOfferSchema).mutation(({ ctx }) => lanCall(() => ctx.services.lan.createPairingOffer(ctx.clinic.id, ctx.actor))),

  cancelPairingOffer: manage.mutation(({ ctx }) => lanCall(() => ctx.services.lan.cancelPairingOffer(ctx.clinic.id))),

  /** Every device ever paired with this clinic, revoked ones included. */
  devices: manage.output(z.array(deviceInfoSchema)).query(({ ctx }) => lanCall(() => ctx.services.lan.listDevices(ctx.clinic.id))),

  renameDevice: manage
    .input(z.object({ id: deviceIdSchema, name: z.string().trim().min(1).max(64) }))
    .mutation(({ ctx, input }) => lanCall(() => ctx.services.lan.renameDevice(ctx.clinic, ctx.actor, input.id, input.name))),

  /** The tablet's token stops working at once; its uploads in progress are cut off. */
  revokeDevice: manage.input(z.object({ id: deviceIdSchema })).mutation(({ ctx, input }) => lanCall(() => ctx.services.lan.revokeDevice(ctx.clinic, ctx.actor, input.id))),
});
