import { z } from 'zod';

export const UPDATE_CHANNELS = ['stable', 'pilot'] as const;
export const updateChannelSchema = z.enum(UPDATE_CHANNELS);
export type UpdateChannelName = z.infer<typeof updateChannelSchema>;

/**
 * What the System screen shows about self-update. `error.code` names why an update was refused
 * (UPDATE_UNSIGNED, UPDATE_SIGNATURE_INVALID, UPDATE_UNTRUSTED_KEY, UPDATE_DOWNGRADE,
 * UPDATE_FILE_HASH_MISMATCH, UPDATE_FILE_INCOMPLETE, …) and `error.message` what IT can do.
 */
export const updateStatusSchema = z.object({
  /** True in the packaged desktop app; the browser host only verifies what the feed offers. */
  installs: z.boolean(),
  note: z.string().nullable(),
  channel: updateChannelSchema,
  feedUrl: z.string().nullable(),
  installed: z.string(),
  state: z.enum(['idle', 'checking', 'up-to-date', 'not-in-rollout', 'available', 'downloading', 'ready', 'refused', 'error']),
  /** The version the feed offers (verified), when known. */
  offered: z.string().nullable(),
  /** The pinned key that signed the metadata. */
  signedBy: z.string().nullable(),
  stagingPercentage: z.number().nullable(),
  progress: z.number().min(0).max(100).nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  checkedAt: z.number().nullable(),
});
export type UpdateStatus = z.infer<typeof updateStatusSchema>;
