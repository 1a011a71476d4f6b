// Jest for the Node package. Roots are limited to this folder: the default crawler would walk
// the multi-GB cargo target/ directory.
const path = require('node:path');

const dist = path.join(__dirname, '..', '..', 'bindings-node', 'dist');

module.exports = {
  rootDir: __dirname,
  roots: ['<rootDir>'],
  testMatch: ['**/*.test.js'],
  testPathIgnorePatterns: ['/node_modules/', '/global/'],
  testEnvironment: 'node',
  // The tests import the package by name, as users do.
  moduleNameMapper: {
    '^paysera-scanpay$': path.join(dist, 'index.js'),
    '^paysera-scanpay/testing$': path.join(dist, 'testing.js'),
    '^paysera-scanpay/express$': path.join(dist, 'express.js'),
    '^paysera-scanpay/fastify$': path.join(dist, 'fastify.js'),
  },
  testTimeout: 30000,
};
