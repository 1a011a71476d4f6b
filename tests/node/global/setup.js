// globalSetup.js: runs once, in jest's main process, before every test file.
const { Sandbox } = require('paysera-scanpay/testing');

module.exports = async () => {
  const sandbox = await Sandbox.start();
  globalThis.payseraSandbox = sandbox; // for globalTeardown (same process)
  // Test files run in worker processes: hand them the sandbox's address and credentials.
  process.env.PAYSERA_BASE_URL = sandbox.baseUrl;
  process.env.PAYSERA_CLIENT_ID = sandbox.clientId;
  process.env.PAYSERA_MAC_KEY = sandbox.macKey;
};
