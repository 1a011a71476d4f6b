// The Node examples of the README and of docs/ are files of this test suite, shown verbatim: they
// cannot rot. Each file below must appear in its page, and every ```js / ```ts block of the
// README and docs/ must be one of these files.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const read = (file) => fs.readFileSync(path.join(root, file), 'utf8');

// file -> the page that shows it (and what runs it, when not jest itself).
const shown = {
  'tests/node/examples/quickstart.mjs': 'README.md', // run by examples/quickstart.test.js
  'tests/node/types/quickstart.mts': 'docs/node.md', // type-checked by tsc in tests/node/run.sh
  'tests/node/examples/pos.js': 'docs/node.md',
  'tests/node/examples/pos.test.js': 'docs/node.md',
  'tests/node/examples/signing.test.js': 'docs/node.md',
  'tests/node/examples/cashier-server.js': 'docs/node.md', // run by examples/cashier-server.test.js
  'tests/node/examples/payments.module.ts': 'docs/node.md', // compiled and run by examples/payments.test.js
  'tests/node/examples/till.js': 'docs/cashier.md',
  'tests/node/examples/till.test.js': 'docs/cashier.md',
  'tests/node/examples/paid-once.js': 'docs/cashier.md', // run by examples/paid-once.test.js
  'tests/node/examples/callback-keys.js': 'docs/going-live.md', // run by callback-keys.test.js
  'tests/node/global/setup.js': 'docs/sandbox.md', // jest --config tests/node/global/jest.config.js
  'tests/node/global/teardown.js': 'docs/sandbox.md',
  'tests/node/global/shared.test.js': 'docs/sandbox.md',
};

const pages = [
  'README.md',
  ...fs
    .readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

const blocks = (page) =>
  [...read(page).matchAll(/^```(?:js|ts|javascript|typescript|mjs|cjs|mts|jsx|tsx)\n([\s\S]*?)^```/gm)].map((m) =>
    m[1].trimEnd(),
  );

test.each(Object.entries(shown))('%s is shown verbatim in %s', (file, page) => {
  expect(blocks(page)).toContain(read(file).trimEnd());
});

test.each(pages)('every JavaScript or TypeScript block of %s is a tested file', (page) => {
  const files = Object.keys(shown).map((file) => read(file).trimEnd());
  for (const block of blocks(page)) expect(files).toContain(block);
});

test('the Node page names the command CI runs', () => {
  expect(read('docs/node.md')).toContain('bash tests/node/run.sh');
});
