/**
 * Check-digit algorithms for the checksummed identifiers. Each function takes the compact value
 * (separators removed) and returns true only when the value is well-formed AND its check digit holds.
 */

/** Luhn (ISO/IEC 7812-1) over a string of digits. */
export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** Card issuer by IIN prefix and allowed lengths; undefined when no known issuer matches. */
export function cardIssuer(digits: string): string | undefined {
  const len = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  const p6 = Number(digits.slice(0, 6));
  if (digits[0] === '4' && (len === 13 || len === 16 || len === 19)) return 'visa';
  if (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && len === 16) return 'mastercard';
  if ((p2 === 34 || p2 === 37) && len === 15) return 'amex';
  if ((p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65 || (p6 >= 622126 && p6 <= 622925)) && len >= 16)
    return 'discover';
  if (p4 >= 3528 && p4 <= 3589 && len >= 16 && len <= 19) return 'jcb';
  if (((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) && len >= 14 && len <= 19)
    return 'diners';
  if (p2 === 62 && len >= 16 && len <= 19) return 'unionpay';
  if (
    (p4 === 5018 ||
      p4 === 5020 ||
      p4 === 5038 ||
      p4 === 5893 ||
      p4 === 6304 ||
      p4 === 6759 ||
      (p4 >= 6761 && p4 <= 6763)) &&
    len >= 12 &&
    len <= 19
  )
    return 'maestro';
  if (p4 === 2200 || p4 === 2201 || p4 === 2202 || p4 === 2203 || p4 === 2204)
    return len === 16 ? 'mir' : undefined;
  return undefined;
}

/** Credit card: known issuer prefix + length, and Luhn. */
export function isValidCard(digits: string): boolean {
  return digits.length >= 12 && digits.length <= 19 && cardIssuer(digits) !== undefined && luhn(digits);
}

/**
 * IBAN length per country (ISO 13616 registry, SWIFT IBAN Registry). Only countries in this table are accepted.
 */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

/** IBAN (compact, uppercase): country length table + ISO 7064 mod-97-10 == 1. */
export function isValidIban(iban: string): boolean {
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expected === undefined || iban.length !== expected) return false;
  const c2 = iban.charCodeAt(2);
  const c3 = iban.charCodeAt(3);
  if (c2 < 48 || c2 > 57 || c3 < 48 || c3 > 57) return false;
  // Move the first four characters to the end, letters become 10..35, then mod 97 piecewise.
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/**
 * Portuguese NIF (Número de Identificação Fiscal): 9 digits, weights 9..2 over the first 8, check digit
 * = 11 - (sum mod 11), or 0 when the remainder is 0 or 1. Valid leading digits: 1, 2, 3 (individuals),
 * 45 (non-residents), 5 (companies), 6 (public bodies), 70-72, 74, 75, 77-79 (other entities),
 * 8 (sole traders, legacy), 90, 91, 98, 99.
 */
export function isValidPtNif(nif: string): boolean {
  if (!/^\d{9}$/.test(nif)) return false;
  const d0 = nif[0];
  const p2 = nif.slice(0, 2);
  const okPrefix =
    d0 === '1' ||
    d0 === '2' ||
    d0 === '3' ||
    d0 === '5' ||
    d0 === '6' ||
    d0 === '8' ||
    p2 === '45' ||
    ['70', '71', '72', '74', '75', '77', '78', '79', '90', '91', '98', '99'].includes(p2);
  if (!okPrefix) return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (nif.charCodeAt(i) - 48) * (9 - i);
  const r = sum % 11;
  const check = r < 2 ? 0 : 11 - r;
  return check === nif.charCodeAt(8) - 48;
}

/**
 * Portuguese NISS (Número de Identificação da Segurança Social): 11 digits starting with 1 (persons) or
 * 2 (organisations); weights 29, 23, 19, 17, 13, 11, 7, 5, 3, 2 over the first 10 digits, check digit
 * = 9 - (sum mod 10) (Portaria n.º 1483/2004).
 */
export function isValidPtNiss(niss: string): boolean {
  if (!/^[12]\d{10}$/.test(niss)) return false;
  const w = [29, 23, 19, 17, 13, 11, 7, 5, 3, 2];
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += (niss.charCodeAt(i) - 48) * w[i]!;
  return 9 - (sum % 10) === niss.charCodeAt(10) - 48;
}

/**
 * Portuguese Cartão de Cidadão document number: 8-digit civil id, 1 check digit, 2 version letters and a
 * final check character (12 characters). Official algorithm (AMA, "Validação de Número de Documento do
 * Cartão de Cidadão", 2009): letters map to A=10 .. Z=35, every second character from the right is doubled
 * (minus 9 when >= 10), and the sum must be divisible by 10.
 */
export function isValidPtCc(doc: string): boolean {
  const v = doc.toUpperCase();
  if (!/^\d{9}[A-Z]{2}\d$/.test(v)) return false;
  let sum = 0;
  let second = false;
  for (let i = v.length - 1; i >= 0; i--) {
    const c = v.charCodeAt(i);
    let n = c <= 57 ? c - 48 : c - 55;
    if (second) {
      n *= 2;
      if (n >= 10) n -= 9;
    }
    sum += n;
    second = !second;
  }
  return sum % 10 === 0;
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Spanish DNI: 8 digits + control letter = LETTERS[number mod 23]. */
export function isValidEsDni(dni: string): boolean {
  const v = dni.toUpperCase();
  if (!/^\d{8}[A-Z]$/.test(v)) return false;
  return DNI_LETTERS[Number(v.slice(0, 8)) % 23] === v[8];
}

/** Spanish NIE: X/Y/Z (as 0/1/2) + 7 digits + control letter, computed like the DNI. */
export function isValidEsNie(nie: string): boolean {
  const v = nie.toUpperCase();
  if (!/^[XYZ]\d{7}[A-Z]$/.test(v)) return false;
  const n = Number(String('XYZ'.indexOf(v[0]!)) + v.slice(1, 8));
  return DNI_LETTERS[n % 23] === v[8];
}

/**
 * US SSN structure (SSA rules): area 001-899 except 666, group 01-99, serial 0001-9999. Also rejects
 * well-known advertising/placeholder numbers (078-05-1120, 219-09-9999, 123-45-6789).
 */
export function isValidUsSsn(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  const area = Number(digits.slice(0, 3));
  const group = Number(digits.slice(3, 5));
  const serial = Number(digits.slice(5));
  if (area === 0 || area === 666 || area >= 900) return false;
  if (group === 0 || serial === 0) return false;
  return digits !== '078051120' && digits !== '219099999' && digits !== '123456789';
}

/** IPv4 dotted quad with each octet 0-255 and no leading zeros (except "0"). */
export function isValidIpv4(s: string): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  for (const p of parts) {
    if (p.length === 0 || p.length > 3 || (p.length > 1 && p[0] === '0')) return false;
    if (Number(p) > 255) return false;
  }
  return true;
}
