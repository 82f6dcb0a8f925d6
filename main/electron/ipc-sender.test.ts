/**
 * IPC sender validation: the frames the tRPC channel accepts, and that a refused sender reaches no
 * procedure — not even the public ones a foreign page would try first (sign-in, enrolment).
 */
import { describe, expect, it } from 'vitest';
import { ipcSenderRefusal, type IpcSenderLike } from './ipc-sender';
import { appRouter, createCaller, createContextInner } from '../api/index';
import type { Services } from '../app/index';

const mainFrame = { url: 'app://workstation/index.html', parent: null };
const own = new Set([7]);
const event = (over: Partial<IpcSenderLike> & { frame?: IpcSenderLike['senderFrame'] } = {}): IpcSenderLike => ({
  sender: over.sender ?? { id: 7, mainFrame: over.frame === undefined ? mainFrame : over.frame },
  senderFrame: over.frame === undefined ? mainFrame : over.frame,
});

describe('ipcSenderRefusal', () => {
  it("accepts our window's top frame on app://workstation", () => {
    expect(ipcSenderRefusal(event(), own)).toBeNull();
    expect(ipcSenderRefusal(event({ frame: { url: 'app://workstation/#/patients?x=1', parent: null } }), own)).toBeNull();
  });

  it('refuses other webContents, subframes, dead frames and other origins', () => {
    expect(ipcSenderRefusal({ sender: { id: 8, mainFrame }, senderFrame: mainFrame }, own)).toMatch(/not a Coherency Workstation window/);
    const sub = { url: 'app://workstation/index.html', parent: mainFrame };
    expect(ipcSenderRefusal({ sender: { id: 7, mainFrame }, senderFrame: sub }, own)).toMatch(/subframe/);
    // A frame object that is not the window's main frame, even without a parent pointer.
    expect(ipcSenderRefusal({ sender: { id: 7, mainFrame }, senderFrame: { url: 'app://workstation/', parent: null } }, own)).toMatch(/subframe/);
    expect(ipcSenderRefusal(event({ frame: null }), own)).toMatch(/no longer exists/);
    for (const url of ['https://example.com/', 'file:///etc/passwd', 'app://workstation.evil/', 'app://evil/', 'app://x@workstation/', 'app://workstation:81/', 'data:text/html,hi', 'about:blank', 'devtools://devtools/']) {
      const f = { url, parent: null };
      expect(ipcSenderRefusal({ sender: { id: 7, mainFrame: f }, senderFrame: f }, own), url).not.toBeNull();
    }
  });

  it('a refused sender reaches no procedure, public ones included', async () => {
    // No service is ever touched: the refusal comes before any procedure body.
    const services = new Proxy({}, { get: () => { throw new Error('a refused call reached a service'); } }) as Services;
    const caller = createCaller(createContextInner({ services, transport: 'ipc', connectionId: 'ipc:8', senderRefused: 'IPC from a subframe' }));
    for (const call of [() => caller.system.info(), () => caller.clinic.list(), () => caller.auth.me(), () => caller.auth.login({ clinicId: '00000000-0000-4000-8000-000000000000', username: 'a', password: 'b' }), () => caller.updates.status()]) {
      await expect(call()).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'Refused: IPC from a subframe' });
    }
    // …and every procedure there is, whatever its input (the refusal comes before input parsing).
    const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;
    let checked = 0;
    for (const [path, p] of Object.entries(procedures)) {
      if (p._def.type === 'subscription') continue;
      const fn = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], caller) as (input: unknown) => Promise<unknown>;
      await expect(fn({}), path).rejects.toMatchObject({ code: 'FORBIDDEN' });
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });
});
