/**
 * Writes the reader test files and this folder's README from `files.ts`:
 *   npx tsx main/scans/formats/testdata/write.ts
 * `testdata.test.ts` fails when the files here differ from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readerTestReadme, READER_TEST_FILES } from './files';

const dir = import.meta.dirname;
for (const file of READER_TEST_FILES) writeFileSync(join(dir, file.name), file.bytes());
writeFileSync(join(dir, 'README.md'), readerTestReadme());
console.log(`wrote ${READER_TEST_FILES.length} files and README.md to ${dir}`);
