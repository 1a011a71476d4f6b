/**
 * Paysera's wire objects, exactly as the Rust core's serde models produce them: field names are
 * Paysera's (`transaction_key`, `place_info`), absent optional fields are absent (never `null`),
 * and fields this version does not model are kept as they arrived.
 *
 * Money is integer minor units (`price: 1299` is 12.99 EUR) or a decimal string
 * (`price_decimal`), never a float.
 *
 * Ids (spot, order, payment, wallet, project, location, user) are JavaScript numbers. Paysera's
 * ids are database integers far below 2^53; should one ever not fit a number exactly, the call
 * fails with a `DecodeError` rather than returning a rounded id. Arguments that take an id also
 * accept a `bigint` or a decimal string.
 */

/** An id argument: a non-negative safe integer, a bigint or a decimal string. */
export type Id = number | bigint | string;

/** A known value, or any other string Paysera may add later (kept verbatim). */
type Open<T extends string> = T | (string & {});

export type SpotStatus = Open<'waiting' | 'open' | 'closed'>;
export type OrderStatus = Open<'pending' | 'reserved' | 'confirmed' | 'closed'>;
export type TransactionStatus = Open<
  | 'new'
  | 'waiting'
  | 'waiting_registration'
  | 'waiting_funds'
  | 'waiting_password'
  | 'reserved'
  | 'confirmed'
  | 'rejected'
  | 'revoked'
  | 'failed'
  | 'deleted'
>;
export type TransactionType = Open<'automatic' | 'page' | 'flash' | 'pin' | 'reservation_code'>;
export type PaymentStatus = Open<
  | 'new'
  | 'waiting'
  | 'waiting_registration'
  | 'reserved'
  | 'confirmed'
  | 'done'
  | 'rejected'
  | 'revoked'
  | 'failed'
  | 'deleted'
  | 'canceled'
>;
export type AllowanceStatus = Open<'new' | 'active' | 'inactive' | 'deleted'>;

/** Request bodies pass fields this library does not model through to Paysera. (Response objects
 * also keep unknown fields at run time; their types list only the known ones, so that a typo in
 * a field name is a type error.) */
interface Extra {
  [field: string]: unknown;
}

export interface PlaceInfo {
  title?: string;
  description?: string;
  address?: string;
  logo_uri?: string;
  location_id?: number;
}

export interface CheckIn {
  user_id?: number;
  /** Unix seconds. */
  date?: number;
}

export interface Order {
  id: number;
  transaction_key: string;
  status: OrderStatus;
}

export interface Spot {
  id: number;
  status: SpotStatus;
  identifier?: string;
  place_info?: PlaceInfo;
  check_ins?: CheckIn[];
  orders?: Order[];
}

export interface Metadata {
  total?: number;
  offset?: number;
  limit?: number;
  has_next?: boolean;
  has_previous?: boolean;
  cursors?: unknown;
}

export interface SpotList {
  spots: Spot[];
  _metadata?: Metadata;
}

export interface TransactionList {
  transactions: Transaction[];
  _metadata?: Metadata;
}

/** `{"for": seconds}` or `{"until": unix seconds}`. */
export interface Reserve {
  for?: number;
  until?: number;
}

/**
 * One line item of a payment: `quantity` (default 1) × the unit price (`price` in minor units
 * or `price_decimal`, not both) in `currency` (the payment's when absent). A payment may be
 * made of items alone; its price is then their total. `total_price` or `total_price_decimal`,
 * when given, must be price × quantity.
 */
export interface Item {
  title?: string;
  description?: string;
  image_uri?: string;
  /** Unit price in minor units of `currency`. */
  price?: number;
  price_decimal?: string;
  currency?: string;
  /** How many; 1 when absent. */
  quantity?: number;
  total_price?: number;
  total_price_decimal?: string;
  parameters?: Record<string, unknown>;
}

export interface Payment {
  id?: number;
  transaction_key?: string;
  created_at?: number;
  status?: PaymentStatus;
  cancelable?: boolean;
  /** Minor units of `currency`. */
  price?: number;
  currency?: string;
  price_decimal?: string;
  wallet?: number;
  confirmed_at?: number;
  freeze?: Reserve;
  freeze_for?: number;
  description?: string;
  parameters?: Record<string, unknown>;
  items?: Item[];
  beneficiary?: unknown;
  purpose?: unknown;
}

export interface AllowanceLimit {
  max_price?: number;
  max_price_decimal?: string;
  time?: number;
}

/** Validity period of an allowance. */
export interface Validity {
  /** Unix seconds the allowance expires. */
  until?: number;
}

export interface Allowance {
  id?: number;
  transaction_key?: string;
  created_at?: number;
  status?: AllowanceStatus;
  currency?: string;
  wallet?: number;
  confirmed_at?: number;
  valid?: Validity;
  description?: string;
  max_price?: number;
  max_price_decimal?: string;
  limits?: AllowanceLimit[];
}

export interface TransactionAllowance {
  optional?: boolean;
  data?: Allowance;
}

export interface Transaction {
  transaction_key: string;
  created_at?: number;
  status: TransactionStatus;
  type?: TransactionType;
  wallet?: number;
  valid_for_payment_card_debit?: boolean;
  confirmed_at?: number;
  project_id?: number;
  location_id?: number;
  reserve?: Reserve;
  use_allowance?: boolean;
  suggest_allowance?: boolean;
  auto_confirm?: boolean;
  redirect_uri?: string;
  /** A URL, or `false` when callbacks are off. */
  callback_uri?: string | false;
  payments?: Payment[];
  inquiries?: unknown[];
  allowance?: TransactionAllowance;
  user?: unknown;
}

/** One payment of a create-transaction request. */
export interface PaymentRequest extends Extra {
  description: string;
  /** Minor units (1299 = 12.99 EUR); or give `price_decimal`. */
  price?: number;
  price_decimal?: string;
  currency: string;
  /** Your own references (e.g. `orderid`), returned as given. */
  parameters?: Record<string, unknown>;
  /** Line items; their total must equal the price. */
  items?: Item[];
  beneficiary?: unknown;
  freeze?: Reserve;
  purpose?: unknown;
}

/** A payment made of items alone, as Paysera's PHP library sends it: it costs the items'
 * total, in their currency (or `currency`), and needs no description. */
export interface ItemsPaymentRequest extends Extra {
  items: Item[];
  description?: string;
  currency?: string;
  /** Your own references (e.g. `orderid`), returned as given. */
  parameters?: Record<string, unknown>;
  beneficiary?: unknown;
  freeze?: Reserve;
  purpose?: unknown;
}

/** Body of `POST /transaction`, with Paysera's wire names. */
export interface TransactionRequest extends Extra {
  payments: (PaymentRequest | ItemsPaymentRequest)[];
  redirect_uri?: string;
  /** A URL, or `false` to turn callbacks off. */
  callback_uri?: string | false;
  reserve?: Reserve;
  auto_confirm?: boolean;
  use_allowance?: boolean;
  suggest_allowance?: boolean;
  allowance?: unknown;
  user?: unknown;
  inquiries?: unknown[];
}

/** Lower prices when confirming: `{ [paymentId]: { price, currency } }`. */
export type ConfirmPrices = Record<string | number, { price: number; currency: string }>;

/** The JSON inside a callback's `event` field. */
export interface CallbackEvent {
  type: string;
  object?: string;
  data?: Transaction;
}
