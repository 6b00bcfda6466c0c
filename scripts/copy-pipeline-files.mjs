// Copies what a pipeline directory holds besides code (its quality.yaml) next to the compiled
// definitions: `node scripts/copy-pipeline-files.mjs <outDir>` after `tsc -p tsconfig.build.json`.
import { cp, readdir } from 'node:fs/promises';
import path from 'node:path';

const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: node scripts/copy-pipeline-files.mjs <outDir>');
  process.exit(2);
}
const root = path.resolve(import.meta.dirname, '..', 'pipelines');
for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
  if (!entry.isFile() || !/\.ya?ml$/.test(entry.name)) continue;
  const from = path.join(entry.parentPath ?? entry.path, entry.name);
  await cp(from, path.join(outDir, 'pipelines', path.relative(root, from)));
}
