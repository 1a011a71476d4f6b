#!/usr/bin/env node
// `npx paysera-scanpay sandbox`: the Paysera sandbox as a server, until Ctrl-C or SIGTERM. It
// prints the banner the Rust sandbox makes (base URL, credentials, dashboard URL, token); the
// same command exists as `python -m paysera_scanpay sandbox` and `paysera-scanpay sandbox`.
'use strict';

const { parseArgs } = require('node:util');

const PROG = 'paysera-scanpay';
// The Rust sandbox's default, as `paysera-sandbox` and `paysera-scanpay sandbox` use it.
const { DEFAULT_PORT } = require('../dist/testing.js');

const USAGE = `Usage: ${PROG} sandbox [--port N] [--host ADDR] [--client-id ID --mac-key KEY]... [--token TOKEN]

Run the Paysera sandbox (a stateful Wallet API simulator) until Ctrl-C or SIGTERM. It prints
its base URL, its credentials, the dashboard URL and, bound beyond loopback, the token its
control plane requires.

Options:
  --port N          port to listen on; 0 picks a free one (default ${DEFAULT_PORT})
  --host ADDR       address to listen on (default 127.0.0.1); beyond loopback the control
                    plane requires a token
  --client-id ID    register a client id (repeatable; pair each with --mac-key, in order)
  --mac-key KEY     MAC key of the client id at the same position
  --token TOKEN     control-plane token to require (default: generated when --host is not
                    loopback)
  -h, --help        show this help
`;

/** Bad arguments: the usage on stderr and exit code 2, as argparse and clap do. */
function usageError(message) {
  process.stderr.write(`${USAGE}\n${PROG} sandbox: error: ${message}\n`);
  process.exit(2);
}

function parse(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'client-id': { type: 'string', multiple: true },
        'mac-key': { type: 'string', multiple: true },
        token: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    usageError(error.message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (positionals.length !== 1 || positionals[0] !== 'sandbox') {
    usageError(
      positionals.length === 0
        ? 'a command is required: sandbox'
        : `unknown command or argument: ${positionals.filter((p, i) => i > 0 || p !== 'sandbox').join(' ')}`,
    );
  }
  let port = DEFAULT_PORT;
  if (values.port != null) {
    if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) {
      usageError(`--port ${values.port} must be a whole number between 0 and 65535`);
    }
    port = Number(values.port);
  }
  const ids = values['client-id'] ?? [];
  const keys = values['mac-key'] ?? [];
  if (ids.length !== keys.length) {
    usageError(`${ids.length} --client-id but ${keys.length} --mac-key: give them in pairs`);
  }
  const options = { port, host: values.host ?? '127.0.0.1' };
  if (ids.length > 0) options.clients = ids.map((clientId, i) => ({ clientId, macKey: keys[i] }));
  if (values.token != null) options.token = values.token;
  return options;
}

async function main() {
  const options = parse(process.argv.slice(2));
  const { Sandbox } = require('../dist/testing.js');
  let sandbox;
  try {
    sandbox = await Sandbox.start(options);
  } catch (error) {
    usageError(error.message);
  }
  // The server runs on the addon's threads, which do not keep Node's event loop alive.
  const keepAlive = setInterval(() => {}, 1 << 30);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await sandbox.stop();
    clearInterval(keepAlive);
    process.exitCode = 0;
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Sandbox credentials are throwaway test values: printing them is the point.
  process.stdout.write(`${sandbox.banner.join('\n')}\n`);
}

main().catch((error) => {
  process.stderr.write(`${PROG}: error: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
