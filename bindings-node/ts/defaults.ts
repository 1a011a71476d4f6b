/**
 * Defaults and limits, read from the Rust core (`paysera_scanpay::defaults`) rather than
 * restated: the option types below document them, the native side applies them.
 */
import native = require('./native');

/** Whole-request timeout of one attempt (`ClientOptions.timeoutMs`): 30 000 ms. */
export const DEFAULT_TIMEOUT_MS: number = native.DEFAULT_TIMEOUT_MS;
/** TCP + TLS connect timeout (`ClientOptions.connectTimeoutMs`): 5 000 ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS: number = native.DEFAULT_CONNECT_TIMEOUT_MS;
/** Extra attempts for failures that are safe to retry (`ClientOptions.retries`): 2. */
export const DEFAULT_RETRIES: number = native.DEFAULT_RETRIES;
/** Smallest page size (`limit`, `pageSize`) Paysera's listings accept: 1. */
export const MIN_PAGE_SIZE: number = native.MIN_PAGE_SIZE;
/** Largest page size (`limit`, `pageSize`) Paysera's listings accept: 200. */
export const MAX_PAGE_SIZE: number = native.MAX_PAGE_SIZE;
/** Page size of `iterSpots`, `iterTransactions` and the cashier's listings: 100. */
export const DEFAULT_PAGE_SIZE: number = native.DEFAULT_PAGE_SIZE;
/** Pause between the cashier's ticks (`CashierOptions.pollIntervalMs`): 3 000 ms. */
export const DEFAULT_POLL_INTERVAL_MS: number = native.DEFAULT_POLL_INTERVAL_MS;
/** Request budget of the cashier (`CashierOptions.requestsPerMinute`): 60. */
export const DEFAULT_REQUESTS_PER_MINUTE: number = native.DEFAULT_REQUESTS_PER_MINUTE;
/** How long a customer has to act on an order (`CashierOptions.customerTimeoutMs`): 300 000 ms. */
export const DEFAULT_CUSTOMER_TIMEOUT_MS: number = native.DEFAULT_CUSTOMER_TIMEOUT_MS;
/** Spots the cashier handles at once (`CashierOptions.concurrency`): 8. */
export const DEFAULT_CONCURRENCY: number = native.DEFAULT_CONCURRENCY;
/** First pause before an event whose `onEvent` failed is delivered again
 * (`CashierOptions.eventRetryMs`): 1 000. */
export const DEFAULT_EVENT_RETRY_MS: number = native.DEFAULT_EVENT_RETRY_MS;
/** Longest pause between two deliveries of a failing event (`eventRetryMaxMs`): 60 000. */
export const DEFAULT_EVENT_RETRY_MAX_MS: number = native.DEFAULT_EVENT_RETRY_MAX_MS;
/** How long a cashier's claim on a shared store lasts without renewal (`leaseTtlMs`): 15 000.
 * A standby replica takes over at most this long after the active one died. */
export const DEFAULT_LEASE_TTL_MS: number = native.DEFAULT_LEASE_TTL_MS;
/** How often the active cashier looks in a shared store for callbacks other processes handed
 * over (`wakeIntervalMs`): 50. */
export const DEFAULT_WAKE_INTERVAL_MS: number = native.DEFAULT_WAKE_INTERVAL_MS;
