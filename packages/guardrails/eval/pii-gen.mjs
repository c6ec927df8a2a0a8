// Generators of labelled PII values for the evaluation set. Check digits are COMPUTED here (the inverse of
// the validators in src/checksums.ts, written independently), and every valid value has invalid look-alikes.
let seed = 0x9e3779b9;
export function reseed(s) {
  seed = s >>> 0;
}
export function rnd() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
export const pick = (a) => a[Math.floor(rnd() * a.length)];
export const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
export const digits = (n) => Array.from({ length: n }, () => int(0, 9)).join('');
const bump = (d) => String((Number(d) + int(1, 9)) % 10);
const replaceAt = (s, i, c) => s.slice(0, i) + c + s.slice(i + 1);
const group = (s, n, sep = ' ') => s.match(new RegExp(`.{1,${n}}`, 'g')).join(sep);

function luhnCheck(partial) {
  // digit that makes partial+digit pass Luhn
  let sum = 0;
  let dbl = true;
  for (let i = partial.length - 1; i >= 0; i--) {
    let d = Number(partial[i]);
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return String((10 - (sum % 10)) % 10);
}

export function card(valid = true) {
  const kind = pick(['visa', 'visa', 'mc', 'mc2', 'amex', 'discover', 'jcb']);
  let prefix;
  let len;
  if (kind === 'visa') [prefix, len] = ['4', 16];
  else if (kind === 'mc') [prefix, len] = [String(int(51, 55)), 16];
  else if (kind === 'mc2') [prefix, len] = [String(int(2221, 2720)), 16];
  else if (kind === 'amex') [prefix, len] = [pick(['34', '37']), 15];
  else if (kind === 'discover') [prefix, len] = ['6011', 16];
  else [prefix, len] = [String(int(3528, 3589)), 16];
  let body = prefix + digits(len - prefix.length - 1);
  body += luhnCheck(body);
  if (!valid) body = replaceAt(body, len - 1, bump(body[len - 1]));
  const fmt = pick(['space', 'dash', 'plain']);
  if (fmt === 'plain') return body;
  const sep = fmt === 'space' ? ' ' : '-';
  if (len === 15) return [body.slice(0, 4), body.slice(4, 10), body.slice(10)].join(sep);
  return group(body, 4, sep);
}

function mod97(s) {
  let r = 0;
  for (const ch of s) {
    const v = /[A-Z]/.test(ch) ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) r = (r * 10 + Number(d)) % 97;
  }
  return r;
}
const IBAN_BBAN = {
  PT: () => digits(21),
  ES: () => digits(20),
  DE: () => digits(18),
  FR: () => digits(10) + 'A' + digits(10) + digits(2).slice(0, 2),
  IT: () => 'X' + digits(10) + digits(12),
  NL: () => 'ABNA' + digits(10),
  BE: () => digits(12),
  GB: () => 'NWBK' + digits(14),
};
export function iban(valid = true) {
  const cc = pick(Object.keys(IBAN_BBAN));
  const bban = IBAN_BBAN[cc]();
  const check = String(98 - mod97(bban + cc + '00')).padStart(2, '0');
  let v = cc + check + bban;
  if (!valid) {
    const i = int(4, v.length - 1);
    v = /\d/.test(v[i]) ? replaceAt(v, i, bump(v[i])) : replaceAt(v, 2, bump(v[2]));
  }
  return pick([true, false]) ? group(v, 4) : v;
}

export function nif(valid = true) {
  const body = pick(['1', '2', '2', '3', '5', '5', '6', '9']) + (rnd() < 0.2 ? '' : '') + digits(7);
  const b = body[0] === '9' ? '9' + pick(['0', '1', '8', '9']) + digits(6) : body;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(b[i]) * (9 - i);
  const r = sum % 11;
  let check = r < 2 ? 0 : 11 - r;
  if (!valid) check = (check + int(1, 9)) % 10;
  return b + check;
}
export function niss(valid = true) {
  const b = pick(['1', '2']) + digits(9);
  const w = [29, 23, 19, 17, 13, 11, 7, 5, 3, 2];
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += Number(b[i]) * w[i];
  let check = 9 - (sum % 10);
  if (!valid) check = (check + int(1, 9)) % 10;
  return b + check;
}
export function ptcc(valid = true) {
  const num = digits(8) + String(int(0, 9));
  const letters = pick(['ZZ', 'ZY', 'ZX', 'ZW', 'AA', 'AB']);
  const partial = num + letters;
  // sum with doubling from the right: the (missing) last char is position 0 (not doubled).
  let sum = 0;
  let dbl = true;
  for (let i = partial.length - 1; i >= 0; i--) {
    const c = partial[i];
    let n = /\d/.test(c) ? Number(c) : c.charCodeAt(0) - 55;
    if (dbl) {
      n *= 2;
      if (n >= 10) n -= 9;
    }
    sum += n;
    dbl = !dbl;
  }
  let check = (10 - (sum % 10)) % 10;
  if (!valid) check = (check + int(1, 9)) % 10;
  const fmt = pick(['spaced', 'plain']);
  return fmt === 'spaced' ? `${num.slice(0, 8)} ${num[8]} ${letters}${check}` : `${num}${letters}${check}`;
}
const DNI = 'TRWAGMYFPDXBNJZSQVHLCKE';
export function dni(valid = true) {
  const n = digits(8);
  let l = DNI[Number(n) % 23];
  if (!valid) l = DNI[(Number(n) + int(1, 22)) % 23];
  return pick([true, true, false]) ? n + l : `${n}-${l}`;
}
export function nie(valid = true) {
  const p = pick(['X', 'Y', 'Z']);
  const n = digits(7);
  let l = DNI[Number(String('XYZ'.indexOf(p)) + n) % 23];
  if (!valid) l = DNI[(Number(String('XYZ'.indexOf(p)) + n) + int(1, 22)) % 23];
  return `${p}${n}${l}`;
}
export function ssn(valid = true) {
  if (valid) {
    let area = int(1, 899);
    if (area === 666) area = 667;
    return `${String(area).padStart(3, '0')}-${String(int(1, 99)).padStart(2, '0')}-${String(int(1, 9999)).padStart(4, '0')}`;
  }
  const bad = pick(['000', '666', String(int(900, 999))]);
  return pick([
    `${bad}-${String(int(1, 99)).padStart(2, '0')}-${String(int(1, 9999)).padStart(4, '0')}`,
    `${String(int(1, 665)).padStart(3, '0')}-00-${String(int(1, 9999)).padStart(4, '0')}`,
    `${String(int(1, 665)).padStart(3, '0')}-${String(int(1, 99)).padStart(2, '0')}-0000`,
  ]);
}
export function ipv4(valid = true) {
  if (valid) return `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;
  return pick([
    `${int(256, 999)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`,
    `${int(1, 223)}.${int(300, 999)}.${int(0, 255)}.${int(1, 9)}`,
  ]);
}
const hex4 = () => int(0, 0xffff).toString(16);
export function ipv6() {
  return pick([
    () => Array.from({ length: 8 }, hex4).join(':'),
    () => `2001:db8::${hex4()}:${hex4()}`,
    () => `fe80::${hex4()}:${hex4()}:${hex4()}:${int(1, 0xfff).toString(16)}`,
    () => '::1',
    () => `2a00:1450:4003:80${int(0, 9)}::200e`,
  ])();
}
const B62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const rs = (n, alpha = B62) => Array.from({ length: n }, () => alpha[int(0, alpha.length - 1)]).join('');
export function apiKey() {
  return pick([
    () => `sk-proj-${rs(48)}`,
    () => `sk-${rs(48)}`,
    () => `sk-ant-api03-${rs(93, B62 + '-_')}AA`,
    () => `AKIA${rs(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
    () => `ASIA${rs(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
    () => `ghp_${rs(36)}`,
    () => `github_pat_${rs(22)}_${rs(59)}`,
    () => `gho_${rs(36)}`,
    () => `AIza${rs(35, B62 + '-_')}`,
    () => `xoxb-${digits(12)}-${digits(13)}-${rs(24)}`,
    () => `sk_live_${rs(24)}`,
    () => `rk_live_${rs(24)}`,
  ])();
}
export function genericSecret() {
  return rs(int(24, 40), B62 + '_-');
}
export function awsSecret() {
  return rs(40, B62 + '/+');
}
const FIRST = [
  'maria',
  'joao',
  'ana',
  'pedro',
  'lucia',
  'carlos',
  'sofia',
  'miguel',
  'emma',
  'liam',
  'hans',
  'claire',
  'jose',
  'ines',
  'tom',
  'sarah',
];
const LAST = [
  'silva',
  'santos',
  'garcia',
  'lopez',
  'muller',
  'martin',
  'smith',
  'costa',
  'ferreira',
  'dubois',
  'schmidt',
  'rossi',
];
const DOM = [
  'example.com',
  'example.pt',
  'mail.example.org',
  'empresa.pt',
  'correo.es',
  'firma.de',
  'societe.fr',
  'uni.example.edu',
  'acme.co.uk',
  'startup.io',
];
export function email() {
  const f = pick(FIRST);
  const l = pick(LAST);
  return `${pick([`${f}.${l}`, `${f}${int(1, 99)}`, `${f[0]}${l}`, `${f}_${l}`, `${f}+news`])}@${pick(DOM)}`;
}
export function phone() {
  return pick([
    () => `+351 9${pick(['1', '2', '3', '6'])}${digits(1)} ${digits(3)} ${digits(3)}`,
    () => `+351 2${digits(2)} ${digits(3)} ${digits(3)}`,
    () => `+34 6${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`,
    () => `+34 ${pick(['6', '7', '9'])}${digits(2)} ${digits(3)} ${digits(3)}`,
    () => `(${int(201, 989)}) ${int(200, 999)}-${digits(4)}`,
    () => `${int(201, 989)}-${int(200, 999)}-${digits(4)}`,
    () => `+1 ${int(201, 989)} ${int(200, 999)} ${digits(4)}`,
    () => `+44 20 ${digits(4)} ${digits(4)}`,
    () => `+49 30 ${digits(8)}`,
    () => `+33 6 ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`,
    () => `9${pick(['1', '2', '3', '6'])}${digits(1)} ${digits(3)} ${digits(3)}`,
  ])();
}
