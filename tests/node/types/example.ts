// Uses the whole public API with its types; `tsc --noEmit` must accept it (see tests/node/run.sh).
// It also pins down what the types promise: wire names on data, camelCase on options, numbers
// for ids and cents, and errors narrowed by class.
import {
  ApiError,
  AuthenticationError,
  Cashier,
  Client,
  DecodeError,
  InvalidInputError,
  InvalidParametersError,
  InvalidQrCodeError,
  InvalidStateError,
  MacSigner,
  NotFoundError,
  PayseraError,
  RateLimitError,
  TimeoutError,
  TransportError,
  parseCallbackForm,
  setLogger,
  qr,
  verifyCallback,
  verifyCallbackEvent,
  type CallbackEvent,
  type CashierOptions,
  type CashierRecord,
  type Event,
  type LogRecord,
  type RequestEvent,
  type ResponseEvent,
  type RetryEvent,
  type EventKind,
  type Item,
  type Money,
  type Order,
  type QrCodeInfo,
  type Signature,
  type Spot,
  type SpotList,
  type TickReport,
  type Transaction,
  type TransactionList,
  type TransactionRequest,
} from 'paysera-scanpay';
import { Sandbox, type CallbackRecord, type FaultRule, type JournalEntry } from 'paysera-scanpay/testing';

export async function everything(): Promise<void> {
  const signer = new MacSigner('wkVd93h2uS', 'IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU');
  const header: string = signer.authorization({
    method: 'POST',
    url: 'https://wallet.paysera.com/rest/v1/transaction',
    body: Buffer.from('{}'),
    ts: 1343811600,
    nonce: 'abc',
    ext: [['project_id', '1']],
  });
  const details: Signature = signer.sign({ method: 'GET', url: 'https://h/x', ext: { location_id: '2' } });
  const batch: string[] = await signer.authorizationBatch([{ method: 'GET', url: 'https://h/x', body: 'text' }]);
  console.log(header, details.normalized, details.mac, batch.length, signer.clientId);

  const code: string = qr.spotCode(1, 'table1');
  const info: QrCodeInfo = qr.parse(qr.appLink(code));
  if (info.kind === 'app_link' && info.inner.kind === 'spot') {
    const locationId: number = info.inner.location_id;
    console.log(locationId, info.inner.identifier);
  }
  const svg: string = qr.toSvg(qr.transactionCode('abc'), { moduleSize: 4 });
  const png: Buffer = qr.toPng(qr.walletCode(123n), { quietZone: 2 });
  console.log(svg.length, png.length, qr.walletCode('1'));

  const sandbox = await Sandbox.start({ clients: [{ clientId: 'pos', macKey: 'key' }], projectId: 1 });
  const { baseUrl, clientId, macKey } = sandbox.credentials;
  const client = new Client({ clientId, macKey, baseUrl, timeoutMs: 5000, connectTimeoutMs: 1000, retries: 1 });
  console.log(sandbox.client({ retries: 0 }).retries, client.baseUrl, client.timeoutMs, client.clockOffset);

  sandbox.createLocation(1, { title: 'Cafe' });
  const spot: Spot = sandbox.createSpot(1, 'table1', { address: 'Main st. 1' });
  sandbox.scan(code, { userId: 7 });
  sandbox.scan(spot.id);

  const controller = new AbortController();
  const waiting: SpotList = await client.listSpots({ status: 'waiting', location_id: 1, limit: 10, offset: 0, signal: controller.signal });
  for (const s of waiting.spots) {
    const id: number = s.id;
    const title: string | undefined = s.place_info?.title;
    console.log(id, title, s.check_ins?.[0]?.user_id);
  }
  for await (const s of client.iterSpots({ status: 'waiting' })) console.log(s.identifier);
  const one: Spot = await client.getSpot(spot.id, { signal: AbortSignal.timeout(1000) });

  const request: TransactionRequest = {
    payments: [{ description: 'Table 1', price: 1299, currency: 'EUR', parameters: { orderid: 1 } }],
    redirect_uri: 'https://example.com',
    callback_uri: false,
    reserve: { for: 600 },
  };
  const tx: Transaction = await client.createTransaction(request);
  // A payment of items alone; the MAC ext parameters of one call.
  const items: Item[] = [{ title: 'Tea', price: 250, currency: 'EUR', quantity: 2 }];
  await client.createTransaction({ payments: [{ items }] }, { ext: { projectId: 1, locationId: 2 } });
  const found: Transaction[] = await client.findTransactions('orderid', 1, { from: 0 });
  console.log(found.length);
  const cents: number | undefined = tx.payments?.[0]?.price;
  const order: Order = await client.createSpotOrder(one.id, tx.transaction_key);
  sandbox.confirm(tx.transaction_key);
  const reserved: TransactionList = await client.listTransactions({ status: ['reserved'], from: 0, to: 2e9, project_id: 1 });
  // The older camelCase filter names still type-check (deprecated aliases).
  await client.listTransactions({ projectId: 1, locationId: 2 });
  for await (const t of client.iterTransactions({ status: 'reserved', limit: 50 })) console.log(t.status);
  const paymentId = tx.payments?.[0]?.id ?? 0;
  const confirmed: Transaction = await client.confirmTransaction(tx.transaction_key, {
    prices: { [paymentId]: { price: 1000, currency: 'EUR' } },
    signal: controller.signal,
  });
  await client.closeSpot(one.id);
  const again: Transaction = await client.getTransaction(confirmed.transaction_key);
  const revoked: Transaction | null = await client.revokeTransaction(again.transaction_key).catch(() => null);
  const time: number = await client.serverTime();
  const pem: string = await client.getPublicKey();
  console.log(cents, order.status, reserved._metadata?.total, revoked?.status, time, pem.length);

  const fault: FaultRule = { kind: 'rate_limit', retryAfter: 1, path: '/spots', count: 1 };
  sandbox.injectFault(fault);
  sandbox.injectFault({ kind: 'delay', ms: 10, probability: 0.5, seed: 1 });
  sandbox.clearFaults();
  sandbox.setRateLimit({ requests: 60, perSeconds: 60 });
  sandbox.setRateLimit(null);
  const journal: JournalEntry[] = sandbox.requests();
  const sent: CallbackRecord[] = sandbox.callbacks();
  console.log(journal[0]?.path, sent.length, sandbox.transactions().length, sandbox.spots().length, sandbox.now());
  sandbox.advanceClock(60);
  sandbox.reject('k');
  sandbox.expire('k');
  sandbox.reset();

  const form = parseCallbackForm('event=%7B%7D&sign=x');
  const valid: boolean = verifyCallback(form.event, form.sign, sandbox.publicKeyPem);
  const event: CallbackEvent = verifyCallbackEvent('{}', 'x', sandbox.publicKeyPem);
  console.log(valid, event.type, event.data?.transaction_key, await client.verifyCallback(form.event, form.sign));

  try {
    await client.confirmTransaction('k');
  } catch (e) {
    if (e instanceof InvalidStateError) console.log(e.statusCode, e.correlationId, e.description, e.method, e.path);
    else if (e instanceof RateLimitError) console.log(e.retryAfterMs);
    else if (e instanceof InvalidParametersError) console.log(e.properties);
    else if (e instanceof NotFoundError || e instanceof AuthenticationError) console.log(e.code);
    else if (e instanceof ApiError) console.log(e.statusCode);
    else if (e instanceof TimeoutError || e instanceof TransportError) console.log(e.outcomeUnknown, e.retryable);
    else if (e instanceof DecodeError || e instanceof InvalidInputError || e instanceof InvalidQrCodeError) console.log(e.message);
    else if (e instanceof PayseraError) console.log(e.code);
  }
  await cashier(client, sandbox);
  await sandbox.stop();
}

/** The cashier engine: sync and async handlers, both stores, every option. */
async function cashier(client: Client, sandbox: Sandbox): Promise<void> {
  sandbox.setAutopilot('confirm');
  const paid: Money[] = [];
  const options: CashierOptions = {
    price: (spot: Spot) =>
      spot.identifier === 'bar' ? null : [{ description: `Table ${spot.identifier}`, price: 1299, currency: 'EUR' }],
    onEvent: (event: Event) => {
      const kind: EventKind = event.kind;
      if (kind === 'paid') paid.push(...event.amounts);
      if (event.kind === 'error') console.error(event.message, event.spot_id, event.transaction_key, event.id);
    },
    adjust: async (tx: Transaction) => (tx.payments?.[0]?.id ? { [tx.payments[0].id]: { price: 999, currency: 'EUR' } } : null),
    store: 'memory',
    pollIntervalMs: 1000,
    requestsPerMinute: 60,
    customerTimeoutMs: 300_000,
    pageSize: 50,
    concurrency: 4,
    locationId: 1,
  };
  const memory = new Cashier(client, options);
  const report: TickReport = await memory.runOnce({ signal: AbortSignal.timeout(5000) });
  console.log(report.polling_requests, report.action_requests, report.events.map((e) => e.reference));
  const onDisk = new Cashier(client, {
    price: async (spot) => [{ description: String(spot.id), price: 100, currency: 'EUR' }],
    onEvent: async (event) => {
      await Promise.resolve(event.id);
    },
    store: { file: '/tmp/cashier.db' },
  });
  const controller = new AbortController();
  const running: Promise<void> = onDisk.start({ signal: controller.signal });
  const busy: boolean = onDisk.running;
  const records: CashierRecord[] = onDisk.records();
  console.log(busy, records[0]?.stage, records[0]?.outcome, paid.length);
  onDisk.stop();
  await running;
  sandbox.setAutopilot(null);
}

// Misuse the types must catch.
// @ts-expect-error ids are positional, not options
void new Client({ clientId: 'a', macKey: 'b' }).getTransaction({ key: 'k' });
// @ts-expect-error data keeps wire names
void ((s: Spot) => s.placeInfo);
// @ts-expect-error options are camelCase
void new Client({ client_id: 'a', mac_key: 'b' });
void new Cashier(new Client({ clientId: 'a', macKey: 'b' }), { price: () => null, onEvent: () => {}, store: 'sqlite:///var/lib/shop/cashier.db' });
void new Cashier(new Client({ clientId: 'a', macKey: 'b' }), { price: () => null, onEvent: () => {}, store: 'postgres://shop:secret@db:5432/shop' });
// @ts-expect-error a store is 'memory', a sqlite:// or postgres:// URL, or { file }
void new Cashier(new Client({ clientId: 'a', macKey: 'b' }), { price: () => null, onEvent: () => {}, store: 'redis' });
// @ts-expect-error price is required
void new Cashier(new Client({ clientId: 'a', macKey: 'b' }), { onEvent: () => {} });
// @ts-expect-error event kinds are a closed set
void ((e: Event) => e.kind === 'payed');
// @ts-expect-error payments keep wire names and integer-cents fields
void new Cashier(new Client({ clientId: 'a', macKey: 'b' }), { price: () => [{ desc: 'x' }], onEvent: () => {} });

// Logging: a logger object or function, typed events.
async function logging(client: Client): Promise<void> {
  setLogger(console, { level: 'debug' });
  setLogger((record: LogRecord) => console.log(record.level, record.logger, record.message, record.time, record.fields.correlation_id));
  setLogger(null);
  const logged = new Client({ clientId: 'a', macKey: 'b', logger: console, logLevel: 'warn' });
  logged.on('request', (e: RequestEvent) => console.log(e.method, e.path, e.attempt));
  logged.on('response', (e: ResponseEvent) => console.log(e.status, e.duration_ms, e.correlation_id));
  client.on('retry', (e: RetryEvent) => console.log(e.code, e.retry, e.max_retries, e.delay_ms));
  client.on('log', (r) => console.log(r.fields.event));
  // @ts-expect-error events are a closed set
  client.on('reqest', () => {});
  // @ts-expect-error levels are a closed set
  setLogger(console, { level: 'verbose' });
  // @ts-expect-error response events carry a number status
  client.on('response', (e: { status: string }) => e);
}
void logging;
