import { describe, expect, it } from 'vitest';
import {
  cardIssuer,
  isValidCard,
  isValidEsDni,
  isValidEsNie,
  isValidIban,
  isValidIpv4,
  isValidPtCc,
  isValidPtNif,
  isValidPtNiss,
  isValidUsSsn,
  luhn,
} from '../src/checksums';

describe('luhn and cards', () => {
  it.each([
    ['4111111111111111', true, 'visa'],
    ['4012888888881881', true, 'visa'],
    ['5555555555554444', true, 'mastercard'],
    ['2223003122003222', true, 'mastercard'],
    ['378282246310005', true, 'amex'],
    ['6011111111111117', true, 'discover'],
    ['3530111333300000', true, 'jcb'],
    ['4111111111111112', false, 'visa'], // Luhn fails
    ['1111111111111117', false, undefined], // Luhn holds, no issuer
    ['37828224631000', false, undefined], // amex prefix, wrong length
  ])('%s valid=%s', (n, valid, issuer) => {
    expect(isValidCard(n)).toBe(valid);
    expect(cardIssuer(n)).toBe(issuer);
  });
  it('luhn rejects non-digits and empty input', () => {
    expect(luhn('')).toBe(false);
    expect(luhn('4111-1111')).toBe(false);
    expect(luhn('79927398713')).toBe(true);
  });
});

describe('IBAN', () => {
  it.each([
    ['GB82WEST12345698765432', true],
    ['DE89370400440532013000', true],
    ['PT50000201231234567890154', true],
    ['ES9121000418450200051332', true],
    ['FR1420041010050500013M02606', true],
    ['NL91ABNA0417164300', true],
    ['GB82WEST12345698765433', false], // checksum
    ['DE8937040044053201300', false], // length
    ['XX82WEST12345698765432', false], // unknown country
    ['PT5000020123123456789015', false], // length for PT is 25
  ])('%s -> %s', (v, ok) => expect(isValidIban(v)).toBe(ok));
});

describe('Portuguese identifiers', () => {
  it.each([
    ['123456789', true],
    ['999999990', true],
    ['501964843', true],
    ['123456780', false], // check digit
    ['423456789', false], // first digit 4 only valid as 45
    ['12345678', false],
  ])('NIF %s -> %s', (v, ok) => expect(isValidPtNif(v)).toBe(ok));
  it.each([
    ['12345678910', true],
    ['12345678911', false],
    ['32345678910', false], // must start with 1 or 2
    ['1234567891', false],
  ])('NISS %s -> %s', (v, ok) => expect(isValidPtNiss(v)).toBe(ok));
  it.each([
    ['000000000ZZ4', true],
    ['000000000zz4', true],
    ['000000000ZZ5', false],
    ['00000000ZZ4', false],
    ['0000000001Z4', false], // version must be letters
  ])('Cartão de Cidadão %s -> %s', (v, ok) => expect(isValidPtCc(v)).toBe(ok));
});

describe('Spanish identifiers', () => {
  it.each([
    ['12345678Z', true],
    ['12345678z', true],
    ['12345678A', false],
    ['00000000T', true],
  ])('DNI %s -> %s', (v, ok) => expect(isValidEsDni(v)).toBe(ok));
  it.each([
    ['X1234567L', true],
    ['Y1234567X', true],
    ['X1234567A', false],
    ['W1234567L', false],
  ])('NIE %s -> %s', (v, ok) => expect(isValidEsNie(v)).toBe(ok));
});

describe('US SSN and IPv4', () => {
  it.each([
    ['536221234', true],
    ['000123456', false],
    ['666123456', false],
    ['900123456', false],
    ['536001234', false],
    ['536220000', false],
    ['078051120', false], // Woolworth wallet card
    ['123456789', false], // placeholder
  ])('SSN %s -> %s', (v, ok) => expect(isValidUsSsn(v)).toBe(ok));
  it.each([
    ['192.168.1.1', true],
    ['0.0.0.0', true],
    ['255.255.255.255', true],
    ['256.1.1.1', false],
    ['01.2.3.4', false],
    ['1.2.3', false],
  ])('IPv4 %s -> %s', (v, ok) => expect(isValidIpv4(v)).toBe(ok));
});
