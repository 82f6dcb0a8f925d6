/**
 * Rebuilding a stored scan's octree with our own attributes filled in (`wound_label` from the
 * wound finder or a measured outline, `depth_mm` below the lid), so the viewer can colour by them.
 *
 * The octree in use is never touched while the new one is written: each build is a *generation*
 * whose files carry a prefix (`r1.metadata.json`, `r1.hierarchy.bin`, `r1.octree.bin`; the
 * import's generation 0 has none). The caller switches the scan's record to the new metadata file
 * (one transaction) and only then removes the old generation's files, so at every moment the
 * record names a complete octree.
 */
import type { PointCloud } from '../../../common/point-cloud';
import { buildOctree, DEFAULT_EXTRA_ATTRIBUTES, OCTREE_FILES, type OctreeWorkerPool } from '../octree/index';
import type { ScanStore } from '../store/index';
import { createStoreSink } from './octree-store-sink';

const GENERATION = /^(?:r(\d{1,9})\.)?metadata\.json$/;

/** The file-name prefix of the octree generation whose metadata file is `metadataFileId`. */
export function octreePrefixOf(metadataFileId: string | null | undefined): string {
  const m = GENERATION.exec(metadataFileId ?? 'metadata.json');
  if (!m) throw new Error('not an octree metadata file id');
  return m[1] === undefined ? '' : `r${m[1]}.`;
}

function generationOf(metadataFileId: string | null | undefined): number {
  const m = GENERATION.exec(metadataFileId ?? 'metadata.json');
  return m?.[1] === undefined ? 0 : Number(m[1]);
}

export interface OctreeAttributeValues {
  /** One per point in the cloud's order: 0 outside the wound, 1 wound. */
  woundLabel?: Uint8Array;
  /** One per point: depth below the lid (mm); NaN where not measured is stored as 0. */
  depthMm?: Float32Array;
}

export interface WriteGenerationOptions {
  pool?: OctreeWorkerPool;
  signal?: AbortSignal;
}

/**
 * Writes the next octree generation of `scanId` from `cloudMm` (the scan's points in mm, in the
 * order they were imported) with the given attribute values. Returns the new metadata file id;
 * on failure nothing of the new generation is left behind.
 */
export async function writeOctreeGeneration(store: ScanStore, scanId: string, currentMetadataFileId: string | null, cloudMm: PointCloud, values: OctreeAttributeValues, options: WriteGenerationOptions = {}): Promise<{ metadataFileId: string; prefix: string }> {
  const next = generationOf(currentMetadataFileId) + 1;
  const prefix = `r${next}.`;
  let depth: Float32Array | undefined;
  if (values.depthMm) {
    depth = new Float32Array(values.depthMm.length);
    for (let i = 0; i < depth.length; i++) {
      const d = values.depthMm[i]!;
      depth[i] = Number.isFinite(d) ? d : 0;
    }
  }
  const specs = DEFAULT_EXTRA_ATTRIBUTES.map((spec) => {
    if (spec.name === 'wound_label' && values.woundLabel) return { ...spec, values: values.woundLabel };
    if (spec.name === 'depth_mm' && depth) return { ...spec, values: depth };
    return spec;
  });
  try {
    await buildOctree(cloudMm, {
      sink: createStoreSink(store, scanId, prefix),
      extraAttributes: specs,
      ...(options.pool ? { pool: options.pool } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    await removeOctreeGeneration(store, scanId, prefix).catch(() => undefined);
    throw error;
  }
  return { metadataFileId: `${prefix}metadata.json`, prefix };
}

/** Removes one generation's files (after the record points at another one). */
export async function removeOctreeGeneration(store: ScanStore, scanId: string, prefix: string): Promise<void> {
  for (const name of OCTREE_FILES) await store.removeFile(scanId, prefix + name);
}
