// The framework glue type-checks against the frameworks' own types (`tsc --noEmit`, see
// tests/node/run.sh), although the package itself imports neither express nor fastify.
import express, { type Request } from 'express';
import Fastify, { type FastifyRequest } from 'fastify';
import { Cashier, Client, type CallbackEvent } from 'paysera-scanpay';
import { payseraCallback } from 'paysera-scanpay/express';
import { payseraCallbackPlugin } from 'paysera-scanpay/fastify';

declare const client: Client;
declare const cashier: Cashier;

const app = express();
app.post('/paysera/callback', payseraCallback({ cashier }));
app.post(
  '/paysera/hook',
  express.raw({ type: 'application/x-www-form-urlencoded' }),
  payseraCallback({
    verify: client,
    limit: 16 * 1024,
    onCallback: async (event: CallbackEvent, req: Request) => {
      const key: string | undefined = event.data?.transaction_key;
      console.log(event.type, key, req.ip);
    },
  }),
);
app.use('/paysera/pinned', payseraCallback({ publicKeyPem: '-----BEGIN PUBLIC KEY-----', logger: console }));

const fastify = Fastify();
fastify.register(payseraCallbackPlugin, { path: '/paysera/callback', cashier });
fastify.register(payseraCallbackPlugin, {
  prefix: '/paysera',
  path: '/hook',
  verify: client,
  onCallback: (event: CallbackEvent, request: FastifyRequest) => request.log.info(event.type),
});

// @ts-expect-error: a misspelt option is caught, not ignored
payseraCallback({ cashier, onCallbak: () => {} });
// @ts-expect-error: a handler is not a cashier
fastify.register(payseraCallbackPlugin, { path: '/x', cashier: { handleCallback: () => true } });
