// The packaged app's Electron fuses, read from electron-builder.yml with electron-builder's own YAML
// parser and its schema of fuse names (a misspelt fuse would be a fuse left as Electron ships it).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';

// js-yaml and the config schema as electron-builder itself has them (app-builder-lib reads the config).
const fromRoot = createRequire(import.meta.url);
const fromBuilder = createRequire(fromRoot.resolve('electron-builder/package.json'));
const fromLib = createRequire(fromBuilder.resolve('app-builder-lib/package.json'));
const yaml = fromLib('js-yaml') as { load(text: string): unknown };
const schema = fromLib('./scheme.json') as { definitions: { FuseOptionsV1: { properties: Record<string, unknown> } } };

const config = yaml.load(readFileSync(new URL('../../electron-builder.yml', import.meta.url), 'utf8')) as Record<string, unknown>;

test('electron-builder flips the security fuses, and asar stays on for onlyLoadAppFromAsar', () => {
  assert.deepEqual(config.electronFuses, {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    loadBrowserProcessSpecificV8Snapshot: false,
    grantFileProtocolExtraPrivileges: false,
  });
  assert.equal(config.asar, true);
  const known = Object.keys(schema.definitions.FuseOptionsV1.properties);
  for (const fuse of Object.keys(config.electronFuses as object)) assert.ok(known.includes(fuse), `electron-builder knows the fuse ${fuse}`);
});
