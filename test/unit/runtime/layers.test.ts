import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

/** The compiled sources, beside the compiled tests in `dist/`. */
const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

function jsFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return jsFiles(path);
    return entry.name.endsWith('.js') ? [path] : [];
  });
}

/** Every relative module a compiled file imports, statically or with `import()`, resolved. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) => match[1]!);
  return specifiers.map((specifier) => resolve(dirname(file), specifier));
}

describe('layers: the runtime and the job manager do not depend on the command line', () => {
  for (const layer of ['runtime', 'jobmanager']) {
    test(`nothing in src/${layer} imports src/cli`, () => {
      const files = jsFiles(join(SRC, layer));
      assert.ok(files.length > 5, `found the compiled src/${layer} (${files.length} files)`);
      const cli = join(SRC, 'cli');
      const offending = files.flatMap((file) =>
        importsOf(file)
          .filter((target) => target === cli || target.startsWith(`${cli}/`))
          .map((target) => `${relative(SRC, file)} imports ${relative(SRC, target)}`),
      );
      assert.deepEqual(offending, [], 'the CLI builds a JobSpec and hands it over; the runtime and the manager never reach back into it');
    });
  }

  test('the scan sees an import of src/cli where there is one', () => {
    // The CLI itself imports the runtime and the manager: the scan must find such imports.
    const run = join(SRC, 'cli', 'commands', 'jobManagerCommand.js');
    assert.ok(importsOf(run).some((target) => target.startsWith(join(SRC, 'jobmanager'))), 'jobManagerCommand imports the job manager');
    assert.ok(importsOf(join(SRC, 'cli', 'readRunFlags.js')).includes(join(SRC, 'cli', 'parseRunArgs.js')));
  });
});
