// One sandbox for a whole jest run: started in globalSetup, stopped in globalTeardown.
const base = require('../jest.config.js');

module.exports = {
  ...base,
  rootDir: __dirname,
  roots: ['<rootDir>'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/setup.js',
  globalTeardown: '<rootDir>/teardown.js',
};
