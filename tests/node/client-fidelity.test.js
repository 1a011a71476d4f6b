// Client-side Paysera fidelity (issue 11): the named Paysera hosts.
const { Client, DEFAULT_BASE_URL, PRODUCTION_BASE_URL, SANDBOX_BASE_URL } = require('paysera-scanpay');

test('named base URLs are Paysera hosts, read from the core', () => {
  expect(PRODUCTION_BASE_URL).toBe('https://wallet.paysera.com');
  expect(SANDBOX_BASE_URL).toBe('https://wallet-sandbox.paysera.com');
  expect(DEFAULT_BASE_URL).toBe(PRODUCTION_BASE_URL);
});

test('a Client built with a named host reports it', () => {
  const sandbox = new Client({ clientId: 'id', macKey: 'key', baseUrl: SANDBOX_BASE_URL });
  expect(sandbox.baseUrl).toBe(SANDBOX_BASE_URL);
  expect(new Client({ clientId: 'id', macKey: 'key' }).baseUrl).toBe(PRODUCTION_BASE_URL);
});
