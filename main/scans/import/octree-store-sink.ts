import type { OctreeFileName, OctreeSink } from '../octree/index';
import type { EncryptedFileWriter, ScanStore } from '../store/index';

/**
 * Streams the octree writer's files straight into the encrypted scan store, as `<prefix><name>`
 * (a rebuilt octree is written beside the one in use under a new prefix, see reindex.ts).
 */
export function createStoreSink(store: ScanStore, scanId: string, prefix = ''): OctreeSink {
  let current: { name: OctreeFileName; writer: EncryptedFileWriter } | null = null;
  const finish = async () => {
    if (current) await current.writer.close();
    current = null;
  };
  return {
    async begin(name) {
      await finish();
      current = { name, writer: await store.createWriter(scanId, prefix + name) };
    },
    async write(name, bytes) {
      if (!current || current.name !== name) {
        await finish();
        current = { name, writer: await store.createWriter(scanId, prefix + name) };
      }
      await current.writer.write(bytes);
    },
    async close() {
      await finish();
    },
    async abort() {
      await current?.writer.abort();
      current = null;
    },
  };
}
