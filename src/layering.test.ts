// The layering rules are enforced by lint; this proves the rules bite (a wrong import fails).
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, posix, sep } from 'node:path';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import { ENGINE_LAYERS, KNOWN_UPWARD, SIMULATORS } from '../eslint.config.js';

const eslint = new ESLint();

async function errorsFor(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test('shared may not import Node, Electron or other layers', async () => {
  assert.equal((await errorsFor('src/shared/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n")).length, 1);
  assert.equal((await errorsFor('src/shared/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).length, 1);
  assert.equal((await errorsFor('src/shared/x.ts', "import { Journal } from '../engine/store/journal';\nexport const a = Journal;\n")).length, 1);
  assert.deepEqual(await errorsFor('src/shared/x.ts', "import { z } from 'zod';\nexport const a = z;\n"), []);
});

test('engine may not import electron or the renderer', async () => {
  assert.equal((await errorsFor('src/engine/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).length, 1);
  assert.equal((await errorsFor('src/engine/x.ts', "import App from '../renderer/src/app';\nexport const a = App;\n")).length, 1);
  assert.deepEqual(await errorsFor('src/engine/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n"), []);
});

test('renderer may not import Node built-ins, electron or the engine', async () => {
  assert.equal((await errorsFor('src/renderer/src/x.ts', "import { readFileSync } from 'fs';\nexport const a = readFileSync;\n")).length, 1);
  assert.equal((await errorsFor('src/renderer/src/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n")).length, 1);
  assert.equal((await errorsFor('src/renderer/src/x.ts', "import { Journal } from '../../engine/store/journal';\nexport const a = Journal;\n")).length, 1);
});

// The engine's layer order (eslint.config.js, ENGINE_LAYERS) and the rule that enforces it.

const LAYERING = 'local/code-layering';

/** A file of a layer's folder glob: 'src/engine/feed/**' → src/engine/feed/x.ts. */
const sampleFile = (glob: string) => glob.replace(/\*\*$/, 'x.ts');

/** Code importing each of `targets` from `file` (target i on line 2i + 1), and the specifiers it uses. */
function importsOf(file: string, targets: string[]): { code: string; specs: string[] } {
  const specs = targets.map((t) => {
    const rel = posix.relative(posix.dirname(file), t.replace(/\.ts$/, ''));
    return rel.startsWith('.') ? rel : `./${rel}`;
  });
  return { code: specs.map((s, i) => `import * as m${i} from '${s}';\nexport const a${i} = m${i};\n`).join(''), specs };
}

async function layeringFor(file: string, code: string, lint = eslint): Promise<{ id?: string; line: number; message: string }[]> {
  const [result] = await lint.lintText(code, { filePath: file });
  return result.messages.filter((m) => m.ruleId === LAYERING).map((m) => ({ id: m.messageId, line: m.line, message: m.message }));
}

test('each engine layer may import its own and lower layers, and every higher layer is reported', async () => {
  const everyFolder = ENGINE_LAYERS.flatMap((l, rank) => l.folders.map((glob) => ({ rank, file: sampleFile(glob) })));
  for (const [rank, layer] of ENGINE_LAYERS.entries()) {
    for (const glob of layer.folders) {
      const file = sampleFile(glob);
      const { code, specs } = importsOf(file, everyFolder.map((f) => f.file));
      const reported = (await layeringFor(file, code)).filter((m) => m.id === 'upward').map((m) => specs[(m.line - 1) / 2]);
      const higher = everyFolder.flatMap((f, i) => (f.rank > rank ? [specs[i]] : []));
      assert.deepEqual(reported, higher, `${file} (layer ${layer.name})`);
    }
  }
});

test('the back-imports issue 11 names are reported', async () => {
  const upward = async (file: string, spec: string) =>
    (await layeringFor(file, `import { x } from '${spec}';\nexport const a = x;\n`)).filter((m) => m.id === 'upward').length;
  assert.equal(await upward('src/engine/export/csv.ts', '../cli/args'), 1);
  assert.equal(await upward('src/engine/brokers/dhan/instruments.ts', '../../instruments/xkey'), 1);
  assert.equal(await upward('src/engine/store/journal/instruments.ts', '../../instruments/xkey'), 1);
  // Where they import from now.
  assert.equal(await upward('src/engine/export/csv.ts', '../../shared/ist'), 0);
  assert.equal(await upward('src/engine/brokers/dhan/instruments.ts', '../../../shared/xkey'), 0);
  assert.equal(await upward('src/engine/store/journal/instruments.ts', '../../../shared/xkey'), 0);
});

test('type-only, re-exported and dynamic imports are layered too', async () => {
  const code = [
    "import type { Journal } from '../store/journal';",
    "export * from '../api/service';",
    "export { EngineService } from '../service';",
    "export const load = () => import('../cli/main');",
    "export type J = Journal | import('../recording/recorder').Recorder;",
    '',
  ].join('\n');
  const lines = (await layeringFor('src/engine/feed/x.ts', code)).filter((m) => m.id === 'upward').map((m) => m.line);
  assert.deepEqual(lines, [1, 2, 3, 4, 5]);
});

test('a new engine folder must be given a layer', async () => {
  const messages = await layeringFor('src/engine/newfolder/x.ts', "import { z } from 'zod';\nexport const a = z;\n");
  assert.deepEqual(messages.map((m) => m.id), ['noLayer']);
  assert.deepEqual(await layeringFor('src/engine/feed/x.ts', "import { z } from 'zod';\nexport const a = z;\n"), []);
});

test('simulators are imported only by the registry, the CLI, other simulators and tests', async () => {
  assert.deepEqual(SIMULATORS.target, ['src/engine/sim/**']);
  const refused = async (file: string) => {
    const { code } = importsOf(file, ['src/engine/sim/kite/server.ts']);
    return (await layeringFor(file, code)).filter((m) => m.id === 'notImportable').length;
  };
  for (const file of ['src/engine/api/x.ts', 'src/engine/recording/x.ts', 'src/engine/bridge/x.ts', 'src/engine/host.ts', 'src/engine/brokers/kite/index.ts', 'src/main/x.ts']) {
    assert.equal(await refused(file), 1, file);
  }
  for (const file of ['src/engine/brokers/registry.ts', 'src/engine/cli/x.ts', 'src/engine/sim/dhan/x.ts', 'src/engine/api/x.test.ts', 'src/engine/testing.ts', 'src/main/x.test.ts']) {
    assert.equal(await refused(file), 0, file);
  }
});

test('a known upward import is allowed only where it is listed, and a stale listing is reported', async () => {
  const listed = { from: 'src/engine/store/x.ts', to: ['src/engine/api/service.ts', 'src/engine/cli/args.ts'], why: 'a test' };
  const options = { layers: ENGINE_LAYERS, scope: ['src/engine/**'], onlyFrom: [SIMULATORS], exceptions: [listed] };
  const lint = new ESLint({ overrideConfig: { files: ['src/**/*.ts'], rules: { [LAYERING]: ['error', options] } } });
  const both = "import { EngineService } from '../api/service';\nimport { isoIst } from '../cli/args';\nexport const a = [EngineService, isoIst];\n";
  assert.deepEqual(await layeringFor('src/engine/store/x.ts', both, lint), []);
  // The same imports from a file beside it are reported.
  assert.deepEqual((await layeringFor('src/engine/store/y.ts', both, lint)).map((m) => m.id), ['upward', 'upward']);
  // A listed import that no longer occurs is reported, so the list only shrinks.
  const one = "import { EngineService } from '../api/service';\nexport const a = EngineService;\n";
  assert.deepEqual((await layeringFor('src/engine/store/x.ts', one, lint)).map((m) => m.message), [
    "the layering exception for 'src/engine/cli/args.ts' no longer occurs in this file: delete it from eslint.config.js",
  ]);
  // The project's own list names only files of the brokers' restructuring.
  for (const e of KNOWN_UPWARD) assert.match(e.from, /^src\/engine\/brokers\//);
});

test('main imports from the engine only its login pieces, never the renderer or preload', async () => {
  const restricted = async (file: string, spec: string) => (await errorsFor(file, `import { x } from '${spec}';\nexport const a = x;\n`)).length;
  assert.equal(await restricted('src/main/x.ts', '../engine/store/journal'), 1);
  assert.equal(await restricted('src/main/x.ts', '../engine/recording/recorder'), 1);
  assert.equal(await restricted('src/main/x.ts', '../engine/testing'), 1);
  assert.equal(await restricted('src/main/x.ts', '../renderer/src/app'), 1);
  assert.equal(await restricted('src/main/x.ts', '../preload/index'), 1);
  assert.equal(await restricted('src/main/x.ts', 'better-sqlite3'), 1);
  assert.equal(await restricted('src/main/x.ts', '../engine/auth/session-store'), 0);
  assert.equal(await restricted('src/main/x.ts', '../engine/brokers/kite/auth'), 0);
  assert.equal(await restricted('src/main/x.ts', '../shared/desktop'), 0);
  assert.equal(await restricted('src/main/x.ts', 'electron'), 0);
  // Its tests may also start simulators and use the engine's test helpers.
  assert.equal(await restricted('src/main/x.test.ts', '../engine/sim/kite/server'), 0);
  assert.equal(await restricted('src/main/x.test.ts', '../engine/testing'), 0);
  assert.equal(await restricted('src/main/x.test.ts', '../engine/store/journal'), 1);
});

test('the broker adapters import nothing above brokers/ (journal, master import, backfill come through their StoreContext)', async () => {
  // The rule with no exceptions at all, over every adapter file as it is on disk.
  const options = { layers: ENGINE_LAYERS, scope: ['src/engine/**'], onlyFrom: [SIMULATORS], exceptions: [] };
  const lint = new ESLint({ overrideConfig: { files: ['src/**/*.ts'], rules: { [LAYERING]: ['error', options] } } });
  const files = (await readdir('src/engine/brokers', { recursive: true })).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  assert.ok(files.includes('types.ts') && files.includes(join('kite', 'index.ts')) && files.includes(join('_template', 'index.ts')), 'the adapters are linted');
  for (const f of files) {
    const file = posix.join('src/engine/brokers', f.split(sep).join('/'));
    const upward = (await layeringFor(file, await readFile(file, 'utf8'), lint)).filter((m) => m.id === 'upward');
    assert.deepEqual(upward, [], file);
  }
  assert.deepEqual(KNOWN_UPWARD, [], 'no upward import is listed as known');
});
