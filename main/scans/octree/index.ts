/**
 * The octree writer: a PointCloud → the Potree 2.0 files (metadata.json, hierarchy.bin,
 * octree.bin) that potree-core renders. See `format.ts` for the layout and `build.ts` for how the
 * work is split across worker threads.
 */
export { buildOctree, buildOctreeInMemory, DEFAULT_MAX_POINTS_PER_NODE, DEFAULT_SAMPLING_BITS, DEFAULT_HIERARCHY_STEP, DEFAULT_IN_PROCESS_BELOW } from './build';
export type { BuildOctreeOptions, BuildOctreeResult, OctreeProgress, OctreePhase } from './build';
export { createDirectorySink, createMemorySink, type OctreeSink, type MemorySink } from './sink';
export { createOctreeWorkerPool, defaultWorkerCount, type OctreeWorkerPool } from './pool';
export {
  DEFAULT_EXTRA_ATTRIBUTES,
  OCTREE_FILES,
  OCTREE_ERROR_CODES,
  OctreeError,
  isOctreeError,
  chooseScale,
  type AttributeType,
  type ExtraAttributeSpec,
  type MetadataAttribute,
  type OctreeErrorCode,
  type OctreeFileName,
  type OctreeMetadata,
} from './format';
