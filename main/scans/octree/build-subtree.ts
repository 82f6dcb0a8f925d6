/**
 * One chunk task: sample the chunk's ancestors, build the octree below the chunk node and encode
 * both parts of octree.bin. The worker runs this for each message; the orchestrator runs the same
 * function on its own thread for small clouds, so both paths give the same nodes.
 */
import type { PointColumns, RecordLayout } from './format';
import { buildChunk, type EncodedSubtree, type SubtreeParams } from './subtree';

export type { EncodedSubtree } from './subtree';

/** Builds and encodes the chunk `rootName` from points `start … end − 1` of `columns`. */
export function buildAndEncodeSubtree(columns: PointColumns, start: number, end: number, rootName: string, params: SubtreeParams, layout: RecordLayout): EncodedSubtree {
  return buildChunk(columns, start, end, rootName, params, layout);
}
