// The TypeScript types against the core's wire contract (the addon's `schema()`, committed as
// schema/paysera-scanpay.schema.json): the interfaces and type aliases of ts/models.ts,
// ts/cashier.ts and ts/qr.ts are read with the TypeScript compiler API, and every type's fields
// (wire names, optional `?` or `| null`, types) and every enum's values must match the schema,
// so a field added, renamed or made optional in the core fails here until the types follow.
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const ROOT = path.join(__dirname, '..', '..');
const native = require(path.join(ROOT, 'bindings-node', 'native', 'index.js'));
const pkg = require('paysera-scanpay');

const SCHEMA = native.schema();
const FILES = ['models.ts', 'cashier.ts', 'qr.ts'].map((f) => path.join(ROOT, 'bindings-node', 'ts', f));

/** TypeScript names that stand for a schema type of another name. */
const ALIASES = { PaymentRequest: 'Payment', ItemsPaymentRequest: 'Payment' };
/** Schema types with no interface in TypeScript, and why. */
const NOT_IN_TS = {};

/** Every interface and type alias of the facade's files, by name. */
function declarations() {
  const interfaces = {};
  const aliases = {};
  for (const file of FILES) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    source.forEachChild((node) => {
      if (ts.isInterfaceDeclaration(node)) interfaces[node.name.text] = node;
      if (ts.isTypeAliasDeclaration(node)) aliases[node.name.text] = node.type;
    });
  }
  return { interfaces, aliases };
}

const { interfaces, aliases } = declarations();

/** String literal values of a union of literals (`'a' | 'b'`), or null. */
function literals(node) {
  const members = ts.isUnionTypeNode(node) ? node.types : [node];
  const values = [];
  for (const m of members) {
    if (!ts.isLiteralTypeNode(m) || !ts.isStringLiteral(m.literal)) return null;
    values.push(m.literal.text);
  }
  return values;
}

/** An enum's type alias as `{ open, values }`: `Open<'a' | 'b'>` keeps unknown values. */
function enumAlias(name) {
  const node = aliases[name];
  if (node == null) return null;
  if (ts.isTypeReferenceNode(node) && node.typeName.getText() === 'Open') {
    return { open: true, values: literals(node.typeArguments[0]) };
  }
  return { open: false, values: literals(node) };
}

/** A comparable shape of a TypeScript type, and whether it admits `null`. */
function describeTs(node) {
  if (ts.isParenthesizedTypeNode(node)) return describeTs(node.type);
  if (ts.isUnionTypeNode(node)) {
    const isNull = (t) => ts.isLiteralTypeNode(t) && t.literal.kind === ts.SyntaxKind.NullKeyword;
    const rest = node.types.filter((t) => !isNull(t));
    const nullable = rest.length !== node.types.length;
    if (rest.length === 1) return { shape: describeTs(rest[0]).shape, nullable };
    // Request forms of one schema type (`PaymentRequest | ItemsPaymentRequest`) are that type.
    const refs = rest.map((t) => (ts.isTypeReferenceNode(t) ? ALIASES[t.typeName.getText()] : undefined));
    if (refs[0] && refs.every((r) => r === refs[0])) return { shape: ['ref', refs[0]], nullable };
    const isString = (t) => ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal);
    if (rest.every(isString)) return { shape: ['literals', rest.map((t) => t.literal.text)], nullable };
    return { shape: 'union', nullable };
  }
  const keywords = {
    [ts.SyntaxKind.NumberKeyword]: 'integer',
    [ts.SyntaxKind.StringKeyword]: 'string',
    [ts.SyntaxKind.BooleanKeyword]: 'boolean',
    [ts.SyntaxKind.UnknownKeyword]: 'any',
    [ts.SyntaxKind.AnyKeyword]: 'any',
  };
  if (keywords[node.kind]) return { shape: keywords[node.kind], nullable: false };
  if (ts.isArrayTypeNode(node)) return { shape: ['array', describeTs(node.elementType).shape], nullable: false };
  if (ts.isTypeReferenceNode(node)) {
    const name = node.typeName.getText();
    if (name === 'Record') return { shape: 'map', nullable: false };
    if (enumAlias(name)) return { shape: ['enum', name], nullable: false };
    if (interfaces[name]) return { shape: ['ref', ALIASES[name] ?? name], nullable: false };
  }
  if (ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) {
    return { shape: ['literals', [node.literal.text]], nullable: false };
  }
  throw new Error(`unexpected type ${node.getText()}`);
}

/** The same shape of a schema type. */
function describeSchema(ty) {
  if (ty.kind === 'array') return ['array', describeSchema(ty.items)];
  if (ty.kind === 'number') return 'integer'; // TypeScript's `number` is both
  if (ty.kind === 'ref' || ty.kind === 'enum') return [ty.kind, ty.name];
  return ty.kind;
}

/** Whether a TypeScript shape is the schema's. */
function same(tsShape, schemaShape) {
  if (schemaShape === 'any') return true; // the core takes any JSON there
  if (Array.isArray(schemaShape) && schemaShape[0] === 'enum' && Array.isArray(tsShape) && tsShape[0] === 'literals') {
    return JSON.stringify(tsShape[1]) === JSON.stringify(SCHEMA.enums[schemaShape[1]].values);
  }
  if (Array.isArray(schemaShape) && Array.isArray(tsShape)) {
    return tsShape[0] === schemaShape[0] && (tsShape[0] === 'array' ? same(tsShape[1], schemaShape[1]) : tsShape[1] === schemaShape[1]);
  }
  return JSON.stringify(tsShape) === JSON.stringify(schemaShape);
}

/** `[{ name, presence, shape }]` of an interface's properties, in order. */
function tsFields(name) {
  return interfaces[name].members.filter(ts.isPropertySignature).map((m) => {
    const { shape, nullable } = describeTs(m.type);
    const presence = m.questionToken ? 'optional' : nullable ? 'nullable' : 'required';
    return { name: m.name.getText().replace(/^'|'$/g, ''), presence, shape };
  });
}

describe('the TypeScript types match the core schema', () => {
  test('every schema type has an interface (or a reason)', () => {
    for (const name of Object.keys(SCHEMA.types)) {
      expect([name, Boolean(interfaces[name] || NOT_IN_TS[name])]).toEqual([name, true]);
    }
  });

  const names = Object.keys(SCHEMA.types).filter((n) => !NOT_IN_TS[n]);
  test.each(names)('%s: field names, optionality and types', (name) => {
    const fields = tsFields(name);
    const spec = SCHEMA.types[name].fields;
    expect(fields.map((f) => f.name)).toEqual(spec.map((f) => f.name));
    fields.forEach((f, i) => {
      expect([name, f.name, f.presence]).toEqual([name, f.name, spec[i].presence]);
      const ok = same(f.shape, describeSchema(spec[i].type));
      expect([name, f.name, ok ? 'matches' : `${JSON.stringify(f.shape)} is not ${JSON.stringify(spec[i].type)}`]).toEqual([
        name,
        f.name,
        'matches',
      ]);
    });
  });

  test.each(['PaymentRequest', 'ItemsPaymentRequest'])('%s (a request form of Payment) names only Payment fields', (name) => {
    const payment = new Set(SCHEMA.types.Payment.fields.map((f) => f.name));
    for (const f of tsFields(name)) expect([f.name, payment.has(f.name)]).toEqual([f.name, true]);
  });

  const enums = Object.keys(SCHEMA.enums).filter((n) => enumAlias(n));
  test('every schema enum is a type alias, or inline where it is used', () => {
    expect(Object.keys(SCHEMA.enums).filter((n) => !enumAlias(n)).sort()).toEqual(['Outcome', 'QrKind', 'Role', 'Stage']);
  });

  test.each(enums)('%s: values and openness', (name) => {
    const alias = enumAlias(name);
    expect(alias.values).toEqual(SCHEMA.enums[name].values);
    expect(alias.open).toBe(SCHEMA.enums[name].open);
  });

  test('QrCodeInfo kinds are the core QrKind values', () => {
    const kinds = aliases.QrCodeInfo.types.map((t) => {
      const kind = t.members.find((m) => m.name.getText() === 'kind');
      return kind.type.literal.text;
    });
    expect(kinds).toEqual(SCHEMA.enums.QrKind.values);
  });
});

describe('defaults come from the core', () => {
  const c = SCHEMA.constants;
  test.each([
    ['DEFAULT_TIMEOUT_MS', c.DEFAULT_TIMEOUT * 1000],
    ['DEFAULT_CONNECT_TIMEOUT_MS', c.DEFAULT_CONNECT_TIMEOUT * 1000],
    ['DEFAULT_RETRIES', c.DEFAULT_RETRIES],
    ['MIN_PAGE_SIZE', c.MIN_PAGE_SIZE],
    ['MAX_PAGE_SIZE', c.MAX_PAGE_SIZE],
    ['DEFAULT_PAGE_SIZE', c.DEFAULT_PAGE_SIZE],
    ['DEFAULT_POLL_INTERVAL_MS', c.DEFAULT_POLL_INTERVAL * 1000],
    ['DEFAULT_REQUESTS_PER_MINUTE', c.DEFAULT_REQUESTS_PER_MINUTE],
    ['DEFAULT_CUSTOMER_TIMEOUT_MS', c.DEFAULT_CUSTOMER_TIMEOUT * 1000],
    ['DEFAULT_CONCURRENCY', c.DEFAULT_CONCURRENCY],
    ['DEFAULT_EVENT_RETRY_MS', c.DEFAULT_EVENT_RETRY * 1000],
    ['DEFAULT_EVENT_RETRY_MAX_MS', c.DEFAULT_EVENT_RETRY_MAX * 1000],
    ['DEFAULT_LEASE_TTL_MS', c.DEFAULT_LEASE_TTL * 1000],
    ['DEFAULT_WAKE_INTERVAL_MS', c.DEFAULT_WAKE_INTERVAL * 1000],
  ])('%s', (name, value) => {
    expect(pkg[name]).toBe(value);
    expect(native[name]).toBe(value);
  });

  test('a Client without options uses them', () => {
    const client = new pkg.Client({ clientId: 'id', macKey: 'key' });
    expect([client.timeoutMs, client.retries]).toEqual([pkg.DEFAULT_TIMEOUT_MS, pkg.DEFAULT_RETRIES]);
  });
});

test('the committed schema is the native export', () => {
  const committed = JSON.parse(fs.readFileSync(path.join(ROOT, 'schema', 'paysera-scanpay.schema.json'), 'utf8'));
  expect(committed).toEqual(SCHEMA);
});
