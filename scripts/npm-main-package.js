#!/usr/bin/env node
// Prints the published package.json of the main npm package, made from the repository's:
// no scripts (so no install step and no Rust for users), no devDependencies, and every platform
// package under bindings-node/npm as an optionalDependency at the same version (the napi-rs v3
// layout: npm installs only the one whose os/cpu/libc match).
//   node scripts/npm-main-package.js package.json bindings-node/npm > stage/package.json
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [manifestPath, npmDir] = process.argv.slice(2);
if (!manifestPath || !npmDir) {
  console.error('usage: npm-main-package.js PACKAGE_JSON NPM_DIR');
  process.exit(2);
}
const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));

const optionalDependencies = {};
for (const platform of fs.readdirSync(npmDir).sort()) {
  const platformManifest = JSON.parse(fs.readFileSync(path.join(npmDir, platform, 'package.json'), 'utf8'));
  if (platformManifest.version !== manifest.version) {
    console.error(
      `${platformManifest.name} is at ${platformManifest.version}, the main package at ${manifest.version}: ` +
        'run `npx napi version` to bring the platform packages along',
    );
    process.exit(1);
  }
  optionalDependencies[platformManifest.name] = manifest.version;
}
if (Object.keys(optionalDependencies).length === 0) {
  console.error(`no platform packages under ${npmDir}`);
  process.exit(1);
}

const { scripts, devDependencies, ...published } = manifest;
published.optionalDependencies = optionalDependencies;
process.stdout.write(`${JSON.stringify(published, null, 2)}\n`);
