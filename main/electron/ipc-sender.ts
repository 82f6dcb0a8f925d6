/**
 * Which IPC messages on the tRPC channel the main process accepts (VS Code's validatedIpcMain):
 * only from the top frame of one of OUR windows, while it shows our renderer from app://workstation.
 * A subframe, another webContents (a devtools extension, a window something else opened), or our
 * window after it navigated elsewhere is refused before any procedure runs: the refusal goes into
 * the tRPC context (`senderRefused`), and every procedure, public ones included, answers FORBIDDEN.
 *
 * Plain data in, a reason out: tested without Electron (ipc-sender.test.ts).
 */

/** The parts of Electron's IpcMainEvent this check reads. */
export interface IpcSenderLike {
  sender: { id: number; mainFrame?: unknown };
  senderFrame: { url: string; parent: unknown; top?: unknown } | null;
}

export const APP_SCHEME = 'app';
export const APP_HOST = 'workstation';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Null when the message may reach the router; otherwise why it may not (no patient data in it). */
export function ipcSenderRefusal(event: IpcSenderLike, ownWebContents: ReadonlySet<number>): string | null {
  if (!ownWebContents.has(event.sender.id)) return 'IPC from a webContents that is not a Coherency Workstation window';
  const frame = event.senderFrame;
  if (!frame) return 'IPC from a frame that no longer exists';
  if (frame.parent !== null || (event.sender.mainFrame !== undefined && event.sender.mainFrame !== frame)) return 'IPC from a subframe';
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return 'IPC from a frame without a valid URL';
  }
  // URL.origin is "null" for non-special schemes such as app:, so compare scheme and host.
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST || url.username || url.password || url.port) return `IPC from a frame showing ${url.protocol}//${url.host}, not the workstation`;
  return null;
}
