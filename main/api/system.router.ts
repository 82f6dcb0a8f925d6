import { z } from 'zod';
import { memorySampleSchema, systemInfoSchema } from '../../common/system';
import { publicProcedure, router } from './trpc';

export const systemRouter = router({
  info: publicProcedure.output(systemInfoSchema).query(({ ctx }) =>
    ctx.services.system.info({
      transport: ctx.transport,
      ...(ctx.services.system.electronVersions ? { electronVersions: ctx.services.system.electronVersions } : {}),
    }),
  ),

  /** Live memory use of the main process, every `intervalMs`, until the client unsubscribes. */
  memory: publicProcedure
    .input(z.object({ intervalMs: z.number().int().min(100).max(60_000).default(1000) }).default({ intervalMs: 1000 }))
    .subscription(async function* ({ ctx, input, signal }) {
      while (!signal?.aborted) {
        yield memorySampleSchema.parse(ctx.services.system.sampleMemory());
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, input.intervalMs);
          signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          }, { once: true });
        });
      }
    }),
});
