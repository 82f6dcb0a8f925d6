/**
 * The synthetic wound scans (measure/phantoms.ts) as a test helper other domains' tests may use
 * (lint lets a test import `../<domain>/test-*`, never a domain's internals): a heel-sized scan
 * for imports, backups and the tablet inbox.
 */
export { encodePly, makeCavityPhantom } from './measure/phantoms';
