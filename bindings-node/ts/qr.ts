import { sync } from './errors';
import type { Id } from './models';
import native = require('./native');

/** What `qr.parse` returns; `code` is the normalized code string. */
export type QrCodeInfo =
  | { kind: 'transaction'; code: string; transaction_key: string }
  | { kind: 'spot'; code: string; location_id: number; identifier: string }
  | { kind: 'wallet'; code: string; wallet_id: number }
  | { kind: 'app_link'; code: string; inner: Exclude<QrCodeInfo, { kind: 'app_link' }> };

export interface QrRenderOptions {
  /** Pixels per module; default 8. */
  moduleSize?: number;
  /** White border in modules; default 4 (what scanners expect). */
  quietZone?: number;
}

/**
 * Paysera QR codes. Builders validate strictly and throw `InvalidQrCodeError` with a reason
 * that quotes the offending part.
 *
 * ```ts
 * qr.spotCode(1, 'table1');            // 'PAYSERA*1:table1'
 * qr.appLink('PAYSERA*1:table1');      // 'https://paysera.com/app?qr=PAYSERA%2A1%3Atable1'
 * qr.parse('EVP000000000001');         // { kind: 'wallet', code: 'EVP000000000001', wallet_id: 1 }
 * ```
 */
export const qr = {
  /** `PAYSERA*{locationId}:{identifier}`: the static code at a table or till. */
  spotCode(locationId: Id, identifier: string): string {
    return sync(() => native.qrSpotCode(locationId, identifier));
  },
  /** `PAYSERA%{transactionKey}`: opens a transaction for confirmation. */
  transactionCode(transactionKey: string): string {
    return sync(() => native.qrTransactionCode(transactionKey));
  },
  /** `EVP{walletId}`, zero-padded to 12 digits. */
  walletCode(walletId: Id): string {
    return sync(() => native.qrWalletCode(walletId));
  },
  /** `https://paysera.com/app?qr={code}`: wraps a code for scanners other than Paysera's app. */
  appLink(code: string): string {
    return sync(() => native.qrAppLink(code));
  },
  /** Parses a code strictly (nothing is trimmed). */
  parse(code: string): QrCodeInfo {
    return sync(() => native.qrParse(code)) as QrCodeInfo;
  },
  /** The code as a printable SVG document. */
  toSvg(code: string, options?: QrRenderOptions): string {
    return sync(() => native.qrToSvg(code, options));
  },
  /** The code as a PNG image. */
  toPng(code: string, options?: QrRenderOptions): Buffer {
    return sync(() => native.qrToPng(code, options));
  },
} as const;
