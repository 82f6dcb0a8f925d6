/**
 * The synthetic wound scans of measure/phantoms.ts, for other domains' tests (a test may import
 * another domain's test-* helpers): analytic truth for measuring, registering and comparing scans.
 */
export { makeCavityPhantom, mulberry32, rotationMatrix, encodePly, makePlaneScan, type CavitySpec, type Phantom, type PhantomTruth } from './measure/phantoms';
