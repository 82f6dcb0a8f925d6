/**
 * One subtree task: build the octree below a node and encode its part of octree.bin. The worker
 * runs this for each message; the orchestrator runs the same function in its own thread for small
 * clouds, so both paths give byte-identical files.
 */
import { encodeRecords, type PointColumns, type RecordLayout } from './format';
import { buildSubtree, type SubtreeNodes, type SubtreeParams } from './subtree';

export interface EncodedSubtree extends SubtreeNodes {
  bytes: Uint8Array;
}

export function buildAndEncodeSubtree(columns: PointColumns, rootName: string, params: SubtreeParams, layout: RecordLayout): EncodedSubtree {
  const { order, nodes } = buildSubtree(columns, rootName, rootName.length - 1, params);
  const bytes = new Uint8Array(order.length * layout.bytesPerPoint);
  encodeRecords(columns, order, layout, new DataView(bytes.buffer), 0);
  return { ...nodes, bytes };
}
