// The layering rules are enforced by lint; this proves the rules bite (a wrong import fails).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';

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
