/**
 * The Rust core's log records, in JavaScript: `setLogger()` for the whole package, a `Client`'s
 * `logger` option and its `request`, `response`, `retry` and `log` events. Records are handed
 * over without blocking the thread that logged, and a logger never keeps the process alive. The
 * core never logs the MAC key or an Authorization header.
 *
 * ```ts
 * setLogger(console);                       // info and above, from everything
 * setLogger(pino(), { level: 'debug' });    // pino, winston, bunyan, console: {debug, info, warn, error}
 * new Client({ clientId, macKey, logger: (record) => mine(record) }); // one client's records
 * ```
 */
import { InvalidInputError, sync } from './errors';
import native = require('./native');

/** The levels of the core's records, most verbose first. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** An object logger: console, pino, winston, bunyan… Each method is called `(message, fields)`. */
export interface Logger {
  trace?(message: string, fields: LogFields): unknown;
  debug(message: string, fields: LogFields): unknown;
  info(message: string, fields: LogFields): unknown;
  warn(message: string, fields: LogFields): unknown;
  error(message: string, fields: LogFields): unknown;
  /** pino's and winston's current level, followed when no `logLevel` is given. */
  level?: unknown;
}

/** A logger object, or a function that receives each whole record. */
export type LogDestination = Logger | ((record: LogRecord) => void);

/** The structured fields of a record (the core's names); absent when the record has none. */
export interface LogFields {
  /** `paysera_scanpay`, or `paysera_scanpay.sandbox` for the in-process sandbox. */
  logger: string;
  /** `request`, `response` or `retry` when the record marks one of those points. */
  event?: 'request' | 'response' | 'retry';
  method?: string;
  /** Path and query of the API call (never a header). */
  path?: string;
  /** 1 for the first attempt of a call. */
  attempt?: number;
  status?: number;
  duration_ms?: number;
  /** Paysera's `Correlation-Id`: quote it to Paysera's support. */
  correlation_id?: string;
  /** The error's code, on a failure or a retry. */
  code?: string;
  retry?: number;
  max_retries?: number;
  delay_ms?: number;
  [field: string]: unknown;
}

/** One record of the core, as `setLogger` functions and the `log` event receive it. */
export interface LogRecord {
  level: LogLevel;
  /** `paysera_scanpay`, or `paysera_scanpay.sandbox`, as in Python's `logging`. */
  logger: string;
  /** The Rust `log` target. */
  target: string;
  message: string;
  /** When the core made the record: milliseconds since the epoch. */
  time: number;
  fields: LogFields;
}

/** A `Client`'s `request` event: an attempt is about to be sent. */
export interface RequestEvent {
  method: string;
  /** Path and query (never a header). */
  path: string;
  /** 1 for the first attempt of a call. */
  attempt: number;
  /** Milliseconds since the epoch. */
  time: number;
}

/** A `Client`'s `response` event: an attempt was answered (any status). */
export interface ResponseEvent extends RequestEvent {
  status: number;
  duration_ms: number;
  correlation_id?: string;
}

/** A `Client`'s `retry` event: an attempt failed and the call is tried again after `delay_ms`. */
export interface RetryEvent extends RequestEvent {
  /** The failure's error code, e.g. `rate_limit_exceeded` or `transport_error`. */
  code: string;
  /** 1 for the first retry. */
  retry: number;
  max_retries: number;
  delay_ms: number;
  correlation_id?: string;
}

/** The events a `Client` emits (`client.on('retry', (e) => …)`). */
export interface ClientEvents {
  request: [RequestEvent];
  response: [ResponseEvent];
  retry: [RetryEvent];
  /** Every record of this client's calls, down to its `logLevel`. */
  log: [LogRecord];
}

export interface LoggerOptions {
  /** The most verbose level delivered. Default: the logger's own `level` when it names one
   * (pino, winston), else `'info'`. */
  level?: LogLevel | 'off';
}

const RANK: Record<LogLevel | 'off', number> = { off: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5 };
const NAMES = ['off', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/** The rank of `level`, checked; a logger's own `level` is followed when it is one of ours. */
export function rankOf(level: unknown, logger: unknown, what: string): number {
  if (level != null) {
    if (typeof level !== 'string' || !(level in RANK)) {
      throw new InvalidInputError(`${what} must be one of ${NAMES.join(', ')}, not ${String(level)}`);
    }
    return RANK[level as LogLevel];
  }
  const own = typeof logger === 'object' && logger !== null ? (logger as Logger).level : undefined;
  if (typeof own === 'string') {
    if (own in RANK) return RANK[own as LogLevel];
    if (own === 'silent') return 0;
    if (own === 'fatal') return 1;
  }
  return RANK.info;
}

/** Checks a `logger` argument; null and undefined mean none. */
export function checkLogger(logger: unknown, what: string): LogDestination | undefined {
  if (logger == null) return undefined;
  if (typeof logger === 'function') return logger as LogDestination;
  const l = logger as Partial<Logger>;
  if (typeof l === 'object' && ['debug', 'info', 'warn', 'error'].every((m) => typeof l[m as keyof Logger] === 'function')) {
    return l as Logger;
  }
  throw new InvalidInputError(`${what} must be a function or an object with debug, info, warn and error methods`);
}

/** Hands `record` to `logger`; a throwing logger is ignored, as Node's own loggers do. */
export function deliver(logger: LogDestination, record: LogRecord): void {
  try {
    if (typeof logger === 'function') {
      logger(record);
      return;
    }
    const method = record.level === 'trace' && typeof logger.trace !== 'function' ? 'debug' : record.level;
    (logger[method] as (message: string, fields: LogFields) => unknown).call(logger, record.message, record.fields);
  } catch {
    // A logger's failure must not break the call that logged.
  }
}

export function rank(record: LogRecord): number {
  return RANK[record.level] ?? RANK.trace;
}

/** A client the records of whose calls arrive tagged (package-internal). */
export interface LogTarget {
  /** The most verbose rank it wants now. */
  logRank(): number;
  /** Takes a record of its calls; false when it has no logger of its own. */
  logRecord(record: LogRecord): boolean;
}

let moduleLogger: LogDestination | undefined;
let moduleRank = 0;
let sink: native.LogSink | undefined;
let nextTag = 1;
const targets = new Map<number, WeakRef<LogTarget>>();
const forget = new FinalizationRegistry<number>((tag) => {
  targets.delete(tag);
  refresh();
});

function receive(raw: LogRecord & { tag: number | null }): void {
  try {
    const { tag, ...rest } = raw;
    const record: LogRecord = { ...rest, fields: { ...rest.fields, logger: rest.logger } };
    const target = tag == null ? undefined : targets.get(tag)?.deref();
    if (target?.logRecord(record)) return;
    if (moduleLogger !== undefined && rank(record) <= moduleRank) deliver(moduleLogger, record);
  } catch (error) {
    // A listener threw: as from any EventEmitter, it is the process's uncaught exception (and
    // never thrown into the native side).
    process.nextTick(() => {
      throw error;
    });
  }
}

/** The realm's sink, created on first need. */
function theSink(): native.LogSink {
  sink ??= sync(() => new native.LogSink(receive, 'off'));
  return sink;
}

/** Asks the core for the most verbose level anyone here wants. */
export function refresh(): void {
  let wanted = moduleLogger === undefined ? 0 : moduleRank;
  for (const ref of targets.values()) wanted = Math.max(wanted, ref.deref()?.logRank() ?? 0);
  if (sink !== undefined || wanted > 0) theSink().setLevel(NAMES[wanted]);
}

/** Routes the records of `client`'s calls to `target` (package-internal). */
export function attach(client: native.Client, target: LogTarget): void {
  const tag = nextTag++;
  client.setLogSink(theSink(), tag);
  targets.set(tag, new WeakRef(target));
  forget.register(target, tag);
  refresh();
}

/**
 * Sends the core's records to `logger` — those of every `Client` without a logger of its own,
 * of the cashier and of the in-process sandbox (logger name `paysera_scanpay.sandbox`) — or
 * stops with `null`. An object logger is called `logger.info(message, fields)`; a function gets
 * the whole {@link LogRecord}.
 *
 * ```js
 * setLogger(console, { level: 'debug' }); // each request, response and retry
 * setLogger((r) => pino[r.level]({ ...r.fields, time: r.time }, r.message));
 * ```
 */
export function setLogger(logger: LogDestination | null, options: LoggerOptions = {}): void {
  const checked = checkLogger(logger, 'logger');
  const wanted = checked === undefined ? 0 : rankOf(options.level, checked, 'level');
  moduleLogger = checked;
  moduleRank = wanted;
  if (checked !== undefined) theSink().setGlobal(true);
  else sink?.setGlobal(false);
  refresh();
}
