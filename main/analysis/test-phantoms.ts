/**
 * The synthetic wound scans (measure/phantoms.ts) as a test helper other domains' tests may use
 * (lint lets a test import `../<domain>/test-*`, never a domain's internals): a heel-sized scan
 * for imports, backups and the tablet inbox; analytic truth for measuring, registering and
 * comparing scans.
 */
export { makeCavityPhantom, mulberry32, rotationMatrix, encodePly, makePlaneScan, type CavitySpec, type Phantom, type PhantomTruth } from './measure/phantoms';
