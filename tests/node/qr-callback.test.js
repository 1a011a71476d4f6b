// QR codes and callback verification.
const crypto = require('node:crypto');
const { InvalidInputError, InvalidQrCodeError, parseCallbackForm, qr, verifyCallback, verifyCallbackEvent } =
  require('paysera-scanpay');
const { Sandbox } = require('paysera-scanpay/testing');

describe('qr', () => {
  test('builds the four templates', () => {
    expect(qr.spotCode(1, 'table1')).toBe('PAYSERA*1:table1');
    expect(qr.spotCode('12', 'a:b')).toBe('PAYSERA*12:a:b');
    expect(qr.transactionCode('ATaNL6X6CivO2Ou0FMPt')).toBe('PAYSERA%ATaNL6X6CivO2Ou0FMPt');
    expect(qr.walletCode(1)).toBe('EVP000000000001');
    expect(qr.walletCode(999999999999n)).toBe('EVP999999999999');
    expect(qr.appLink('PAYSERA*1:table1')).toBe('https://paysera.com/app?qr=PAYSERA%2A1%3Atable1');
  });

  test('parses, wrapped or not', () => {
    expect(qr.parse('PAYSERA*1:table1')).toEqual({ kind: 'spot', code: 'PAYSERA*1:table1', location_id: 1, identifier: 'table1' });
    expect(qr.parse('EVP999999999999')).toEqual({ kind: 'wallet', code: 'EVP999999999999', wallet_id: 999999999999 });
    expect(qr.parse('PAYSERA%abc')).toEqual({ kind: 'transaction', code: 'PAYSERA%abc', transaction_key: 'abc' });
    const link = qr.parse('https://paysera.com/app?qr=PAYSERA%2A1%3Atable1');
    expect(link.kind).toBe('app_link');
    expect(link.inner).toEqual(qr.parse('PAYSERA*1:table1'));
  });

  test('rejects with reasons', () => {
    expect(() => qr.spotCode(1, 'table 1')).toThrow(InvalidQrCodeError);
    expect(() => qr.spotCode(0, 'a')).toThrow(InvalidQrCodeError);
    expect(() => qr.walletCode(1e12)).toThrow(InvalidQrCodeError);
    expect(() => qr.transactionCode('abc-1')).toThrow(InvalidQrCodeError);
    expect(() => qr.appLink(qr.appLink('EVP000000000001'))).toThrow(InvalidQrCodeError);
    expect(() => qr.parse(' EVP000000000001')).toThrow(/whitespace/);
    expect(() => qr.parse('EVP1')).toThrow(/zero-padded to 12 digits/);
    expect(() => qr.walletCode(-1)).toThrow(InvalidInputError);
  });

  test('renders SVG and PNG', () => {
    const svg = qr.toSvg('PAYSERA*1:table1');
    expect(svg.startsWith('<svg')).toBe(true);
    const png = qr.toPng('PAYSERA*1:table1', { moduleSize: 4, quietZone: 2 });
    expect(Buffer.isBuffer(png)).toBe(true);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const width = png.readUInt32BE(16);
    expect(width % 4).toBe(0);
    expect(qr.toPng('PAYSERA*1:table1').readUInt32BE(16)).toBeGreaterThan(width);
    expect(() => qr.toPng('PAYSERA*1:table1', { moduleSize: 0 })).toThrow(InvalidQrCodeError);
    expect(() => qr.toSvg('nope')).toThrow(InvalidQrCodeError);
  });
});

describe('callbacks', () => {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' });
  const event = '{"type":"reserved","object":"transaction","data":{"transaction_key":"abc","status":"reserved"}}';
  const sign = crypto.sign('sha256', Buffer.from(event), privateKey).toString('base64');

  test('a signature made by node:crypto verifies', () => {
    expect(verifyCallback(event, sign, pem)).toBe(true);
    expect(verifyCallback(Buffer.from(event), sign, pem)).toBe(true);
    expect(verifyCallbackEvent(event, sign, pem)).toEqual(JSON.parse(event));
  });

  test('any change to the event, the signature or the key fails', () => {
    expect(verifyCallback(event.replace('abc', 'abd'), sign, pem)).toBe(false);
    expect(verifyCallback(JSON.stringify(JSON.parse(event), null, 1), sign, pem)).toBe(false);
    expect(verifyCallback(event, sign.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')), pem)).toBe(false);
    expect(verifyCallback(event, 'not base64!', pem)).toBe(false);
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' });
    expect(verifyCallback(event, sign, other)).toBe(false);
    expect(() => verifyCallbackEvent(event.slice(1), sign, pem)).toThrow(/signature does not match/);
  });

  test('an unusable key throws', () => {
    expect(() => verifyCallback(event, sign, 'not a key')).toThrow(InvalidInputError);
  });

  test('the raw form body decodes to the exact signed bytes', () => {
    const body = `event=${encodeURIComponent(event).replace(/%20/g, '+')}&sign=${encodeURIComponent(sign)}`;
    const form = parseCallbackForm(body);
    expect(form.event.toString()).toBe(event);
    expect(form.sign).toBe(sign);
    expect(verifyCallback(form.event, form.sign, pem)).toBe(true);
    expect(() => parseCallbackForm('sign=x')).toThrow(/no event/);
  });

  test("the sandbox's callbacks verify with its public key", async () => {
    const sandbox = await Sandbox.start();
    try {
      const client = sandbox.client();
      const tx = await client.createTransaction({
        payments: [{ description: 'x', price: 100, currency: 'EUR' }],
        callback_uri: 'http://127.0.0.1:9/unreachable',
      });
      sandbox.confirm(tx.transaction_key);
      let records = [];
      for (let i = 0; i < 500 && records.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
        records = sandbox.callbacks();
      }
      expect(records[0]).toMatchObject({ event_type: 'reserved', transaction_key: tx.transaction_key });
      expect(verifyCallback(records[0].event, records[0].sign, sandbox.publicKeyPem)).toBe(true);
    } finally {
      await sandbox.stop();
    }
  });
});
