// The README's Node examples are these test files, verbatim: they cannot rot.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('<!-- node:start -->'), readme.indexOf('<!-- node:end -->'));

test.each([
  'tests/node/types/quickstart.mts', // type-checked by tsc in tests/node/run.sh
  'tests/node/examples/pos.js',
  'tests/node/examples/pos.test.js',
  'tests/node/examples/till.js',
  'tests/node/examples/till.test.js',
  'tests/node/global/setup.js',
  'tests/node/global/teardown.js',
])('README shows %s as it is', (file) => {
  const text = fs.readFileSync(path.join(root, file), 'utf8').trimEnd();
  expect(section).toContain(`\n${text}\n\`\`\``);
});

test('the README test command is the one CI runs', () => {
  expect(section).toContain('bash tests/node/run.sh');
});
