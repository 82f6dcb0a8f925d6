/**
 * The device credential lives in the OS keychain only (main/vault): account `sync:<clinic id>`.
 * During a rotation the next one waits under `sync:<clinic id>:next` until the service has taken it;
 * a rotation cut off at any point is finished or dropped at the next sync (rotateCredential).
 */
import type { KeyStore } from '../vault/index';

export interface CredentialStore {
  get(): Promise<string | null>;
  set(token: string): Promise<void>;
  getNext(): Promise<string | null>;
  setNext(token: string): Promise<void>;
  /** The next one becomes the current one. */
  promote(): Promise<void>;
  dropNext(): Promise<void>;
}

export function createCredentialStore(keyStore: KeyStore, clinicId: string): CredentialStore {
  const current = `sync:${clinicId}`;
  const next = `sync:${clinicId}:next`;
  const read = async (account: string) => {
    const b = await keyStore.get(account);
    return b ? b.toString('utf8') : null;
  };
  return {
    get: () => read(current),
    set: (token) => keyStore.set(current, Buffer.from(token, 'utf8')),
    getNext: () => read(next),
    setNext: (token) => keyStore.set(next, Buffer.from(token, 'utf8')),
    async promote() {
      const token = await read(next);
      if (!token) return;
      await keyStore.set(current, Buffer.from(token, 'utf8'));
      await keyStore.delete(next);
    },
    dropNext: async () => void (await keyStore.delete(next)),
  };
}
