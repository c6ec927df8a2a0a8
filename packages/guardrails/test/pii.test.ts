import { describe, expect, it } from 'vitest';
import { detectPii } from '../src/pii';
import type { PiiType } from '../src/types';

/** [type, matched text] pairs, in order. */
function found(text: string): Array<[PiiType, string]> {
  return detectPii(text).map((f) => [f.type, text.slice(f.start, f.end)]);
}

describe('detectPii: structured identifiers', () => {
  it.each<[string, Array<[PiiType, string]>]>([
    ['mail me: jane.doe+x@mail.example.co.uk.', [['EMAIL', 'jane.doe+x@mail.example.co.uk']]],
    ['card 4111 1111 1111 1111 exp 12/27', [['CREDIT_CARD', '4111 1111 1111 1111']]],
    ['amex 3782-822463-10005', [['CREDIT_CARD', '3782-822463-10005']]],
    ['IBAN PT50 0002 0123 1234 5678 9015 4 BIC CGDIPTPL', [['IBAN', 'PT50 0002 0123 1234 5678 9015 4']]],
    ['IBAN: GB82WEST12345698765432', [['IBAN', 'GB82WEST12345698765432']]],
    ['O meu NIF é 123456789.', [['PT_NIF', '123456789']]],
    ['NISS 12345678910', [['PT_NISS', '12345678910']]],
    ['Cartão de Cidadão 00000000 0 ZZ4', [['PT_CC', '00000000 0 ZZ4']]],
    ['DNI 12345678Z', [['ES_DNI', '12345678Z']]],
    ['NIE: X1234567L', [['ES_NIE', 'X1234567L']]],
    ['SSN 536-22-1234', [['US_SSN', '536-22-1234']]],
    ['my social security number is 536221234', [['US_SSN', '536221234']]],
    [
      'server 10.0.0.254 and 2001:db8::8a2e:370:7334',
      [
        ['IP_ADDRESS', '10.0.0.254'],
        ['IP_ADDRESS', '2001:db8::8a2e:370:7334'],
      ],
    ],
  ])('%s', (text, want) => expect(found(text)).toEqual(want));

  it('reports checksummed types only when the checksum holds', () => {
    expect(found('card 4111 1111 1111 1112')).toEqual([]);
    expect(found('IBAN GB82WEST12345698765433')).toEqual([]);
    expect(found('NIF 123456780')).toEqual([]);
    expect(found('NISS 12345678911')).toEqual([]);
    expect(found('CC 00000000 0 ZZ5')).toEqual([]);
    expect(found('DNI 12345678A')).toEqual([]);
    expect(found('NIE X1234567A')).toEqual([]);
    expect(found('SSN 666-22-1234 or 900-12-3456')).toEqual([]);
    expect(found('ip 256.10.10.10')).toEqual([]);
  });
});

describe('detectPii: phones and ambiguous digit runs', () => {
  it.each<[string, Array<[PiiType, string]>]>([
    ['Call me at +351 912 345 678 tomorrow', [['PHONE', '+351 912 345 678']]],
    ['tel: 212 345 678', [['PHONE', '212 345 678']]],
    ['(415) 555-0132 is the office', [['PHONE', '(415) 555-0132']]],
    ['ring 415-555-0132.', [['PHONE', '415-555-0132']]],
    ['Llámame al 612 34 56 78', [['PHONE', '612 34 56 78']]],
    ['Rufen Sie an: +49 30 12345678', [['PHONE', '+49 30 12345678']]],
  ])('%s', (text, want) => expect(found(text)).toEqual(want));

  it.each([
    'Order #912345678 has shipped',
    'invoice 912345678',
    'tracking number 123456789012',
    'Meeting on 2024-03-15 at 10:30',
    'released 15.03.2024',
    'Upgrade to version 10.0.19041.1234',
    'version 1.2.3.4 is out',
    'Total: $1,234,567.89',
    'Pedido n.º 123456789 enviado',
    'Rechnungsnummer 123456789',
    'commit 3f2a9c1b3f2a9c1b3f2a9c1b3f2a9c1b3f2a9c1b',
    'x = arr[::1]',
    'std::vector<int> v; a::b',
    'MAC 00:1A:2B:3C:4D:5E',
  ])('no PII in %s', (text) => expect(found(text)).toEqual([]));

  it('context words settle a NIF-valid number: id context yes, order context no', () => {
    expect(found('NIF: 501964843')).toEqual([['PT_NIF', '501964843']]);
    expect(found('order 501964843')).toEqual([]);
    // The label wins over a nearer "invoice" when it labels this very number...
    expect(found('My NIF for the invoice is 123456789.')).toEqual([['PT_NIF', '123456789']]);
    // ...but not when another number sits in between.
    expect(found('NIF 123456789, order 501964843')).toEqual([['PT_NIF', '123456789']]);
  });

  it('a word cut by the context window edge is not read as a keyword', () => {
    expect(found('Email joao.martin@example.pt, call +49 30 55364956.')).toEqual([
      ['EMAIL', 'joao.martin@example.pt'],
      ['PHONE', '+49 30 55364956'],
    ]);
  });
});

describe('detectPii: secrets', () => {
  const keys: Array<[string, string]> = [
    ['openai', `sk-proj-${'a1B2c3D4e5'.repeat(5)}`],
    ['anthropic', `sk-ant-api03-${'Zx9_Yw8-Vu7'.repeat(8)}AA`],
    ['aws-access-key-id', 'AKIAIOSFODNN7EXAMPLE'],
    ['github', `ghp_${'A1b2C3d4E5f6'.repeat(3)}`],
    ['github', `github_pat_11ABCDEFG0${'x1Y2z3'.repeat(12)}`],
    ['google', `AIza${'SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5pq6'}`],
    ['slack', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'],
    ['stripe', `sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`],
  ];
  it.each(keys)('%s key', (kind, key) => {
    const text = `here: ${key} thanks`;
    const f = detectPii(text);
    expect(f.map((x) => [x.type, x.kind, text.slice(x.start, x.end)])).toEqual([['API_KEY', kind, key]]);
  });
  it('AWS secret key needs context', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    expect(found(`aws_secret_access_key = ${secret}`)).toEqual([['API_KEY', secret]]);
    expect(found(`the hash is ${secret}`)).toEqual([]);
  });
  it('generic high-entropy token only with key-like context', () => {
    const tok = 'q8Zr3LmN0pXv7TbY2wKc5sJd';
    expect(found(`api_key=${tok}`)).toEqual([['API_KEY', tok]]);
    expect(found(`token: "${tok}"`)).toEqual([['API_KEY', tok]]);
    expect(found(`the id ${tok} is random`)).toEqual([]);
    expect(found('password: hunter2')).toEqual([]);
    expect(found('pip install scikit-learn')).toEqual([]);
  });
});

describe('detectPii: offsets and overlaps', () => {
  it('offsets are UTF-16 code units into the original text', () => {
    const text = '😀 é 👍 mail a@example.com';
    const [f] = detectPii(text);
    expect(f).toBeDefined();
    expect(text.slice(f!.start, f!.end)).toBe('a@example.com');
    expect(f!.start).toBe(text.indexOf('a@'));
  });
  it('a key containing digit runs is reported once, as API_KEY', () => {
    const key = 'sk-proj-912345678ABCdef912345678ghiJKL0123';
    expect(found(`key ${key}`)).toEqual([['API_KEY', key]]);
  });
  it('types option restricts detection', () => {
    const text = 'a@example.com +351 912 345 678';
    expect(detectPii(text, { types: new Set(['PHONE']) }).map((f) => f.type)).toEqual(['PHONE']);
  });
});
