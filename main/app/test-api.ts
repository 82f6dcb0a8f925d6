/**
 * The API tests' harness: the app's composition root on a fresh data dir with the real keychain
 * (a test service name in gnome-keyring), a memory logger, the LAN receiver on a free local port
 * without advertising, and a tRPC caller per connection id (as a browser tab's connection).
 * Call it inside the suite's `describe.skipIf(skipKeyring)` body.
 */
import { createCaller, createContextInner } from '../api/index';
import { createMemoryLogger } from '../shared/logger';
import { createKeytarKeyStore } from '../vault/index';
import { keyringSuiteDir, TEST_SERVICE } from '../vault/test-keyring';
import { createServices } from './index';

export function apiSuite(dirPrefix: string) {
  const dataDir = keyringSuiteDir(dirPrefix);
  const keyStore = createKeytarKeyStore({ service: TEST_SERVICE });
  const logger = createMemoryLogger();
  const services = createServices({ dataDir, keyStore, logger, lan: { host: '127.0.0.1', port: 0, advertise: false } });
  const caller = (id: string) => createCaller(createContextInner({ services, transport: 'http', connectionId: id }));
  return { dataDir, keyStore, logger, services, caller };
}
