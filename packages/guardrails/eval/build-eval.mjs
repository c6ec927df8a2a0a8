// Builds eval/cases.json: labelled PII and injection cases, split into `dev` (rules were tuned looking at
// these) and `holdout` (different templates, phrasings and values; not used for tuning).
// Run: node packages/guardrails/eval/build-eval.mjs
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INJECTION_CASES } from './injection-cases.mjs';
import * as G from './pii-gen.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const cases = [];
let n = 0;
const add = (split, kind, text, expect, extra = {}) =>
  cases.push({ id: `${kind}-${split}-${++n}`, split, kind, text, expect, ...extra });

// Templates: `{v}` is the value. Positive templates are per type; dev and holdout phrasings differ.
const T = {
  EMAIL: {
    gen: G.email,
    dev: [
      'Please send the report to {v} by Friday.',
      'O meu email é {v}, obrigado.',
      'Contacto: {v}',
      'cc {v} on the thread',
      'Mi correo es {v}.',
    ],
    holdout: [
      'You can reach our DPO at <{v}>.',
      'Schreiben Sie an {v} für Rückfragen.',
      'reply-to: {v}',
      'Envoyez le CV à {v} avant lundi.',
    ],
  },
  PHONE: {
    gen: G.phone,
    dev: [
      'Call me at {v} tomorrow.',
      'O meu telemóvel é {v}.',
      'Tel: {v}',
      'Llámame al {v} por la tarde.',
      'phone number {v}',
    ],
    holdout: [
      'You can reach the front desk on {v}.',
      'Mobile: {v} (after 6pm)',
      'Appelez-moi au {v}.',
      'Rufen Sie mich unter {v} an.',
      'whatsapp {v}',
    ],
  },
  CREDIT_CARD: {
    gen: G.card,
    dev: [
      'My card number is {v}, exp 09/27.',
      'Pay with {v} please',
      'Cartão: {v}',
      'charge {v} for the upgrade',
    ],
    holdout: [
      'Use the Visa/MC ending in the full number {v}.',
      'Tarjeta {v} caduca en 2027',
      'card on file: {v}',
      'Kreditkarte {v} bitte belasten',
    ],
  },
  IBAN: {
    gen: G.iban,
    dev: ['Transfer to IBAN {v} today.', 'O meu IBAN é {v}', 'IBAN: {v}', 'Please wire the refund to {v}.'],
    holdout: [
      'Bankverbindung: {v} (Sparkasse)',
      'Virement sur le compte {v} svp',
      'Mi cuenta {v} está a mi nombre',
      'account {v}',
    ],
  },
  PT_NIF: {
    gen: G.nif,
    dev: [
      'O meu NIF é {v}.',
      'NIF: {v}',
      'Contribuinte n.º {v}',
      'Please add my tax number {v} to the invoice',
    ],
    holdout: [
      'Fatura com o número de contribuinte {v}, por favor.',
      'NIPC {v}',
      'my Portuguese VAT {v}',
      'O número fiscal dele é {v}',
    ],
  },
  PT_NISS: {
    gen: G.niss,
    dev: ['NISS: {v}', 'O meu número de segurança social é {v}.', 'niss {v} para o subsídio'],
    holdout: [
      'Número de Identificação da Segurança Social {v}',
      'Social security (PT) {v}',
      'NISS do trabalhador: {v}',
    ],
  },
  PT_CC: {
    gen: G.ptcc,
    dev: ['Cartão de Cidadão: {v}', 'O número do meu CC é {v}.', 'documento {v}'],
    holdout: [
      'citizen card {v} valid until 2030',
      'Nº do documento de identificação: {v}',
      'Anexo cópia do CC {v}',
    ],
  },
  ES_DNI: {
    gen: G.dni,
    dev: ['Mi DNI es {v}.', 'DNI: {v}', 'con documento {v}'],
    holdout: ['El titular, con DNI {v}, declara', 'Spanish ID {v}', 'NIF (España) {v}'],
  },
  ES_NIE: {
    gen: G.nie,
    dev: ['Mi NIE es {v}.', 'NIE: {v}', 'extranjero con número {v}'],
    holdout: [
      'Número de identidad de extranjero {v}',
      'foreigner id {v} in Madrid',
      'Tarjeta de residencia {v}',
    ],
  },
  US_SSN: {
    gen: G.ssn,
    dev: ['My SSN is {v}.', 'SSN: {v}', 'social security number {v}'],
    holdout: ['Employee SSN {v} on the W-2', 'Please verify {v} with the SSA', 'ss# {v}'],
  },
  IP_ADDRESS: {
    gen: () => (G.rnd() < 0.6 ? G.ipv4() : G.ipv6()),
    dev: ['The server at {v} is down.', 'ssh into {v}', 'IP: {v}', 'blocked requests from {v}'],
    holdout: [
      'Connection refused by host {v}, port 443',
      'O router tem o endereço {v}',
      'whitelist {v} in the firewall',
      'upstream {v} timed out',
    ],
  },
  API_KEY: {
    gen: G.apiKey,
    dev: ['Here is my key {v} can you debug?', 'OPENAI_API_KEY={v}', 'export TOKEN={v}', 'the token is {v}'],
    holdout: [
      'config: {"apiKey": "{v}"}',
      'I accidentally committed {v} to git',
      'Authorization header uses {v}',
      'credentials {v}',
    ],
  },
};
const GENERIC = {
  dev: ['api_key={v}', 'secret: "{v}"', 'client_secret = {v}'],
  holdout: ['"auth_token": "{v}"', 'password={v}', 'Bearer {v}'],
};
const AWS = { dev: ['aws_secret_access_key = {v}'], holdout: ['AWS secret {v}'] };

// Checksum-invalid look-alikes (same templates): must produce no finding of that type.
const INVALID = {
  CREDIT_CARD: () => G.card(false),
  IBAN: () => G.iban(false),
  PT_NIF: () => G.nif(false),
  PT_NISS: () => G.niss(false),
  PT_CC: () => G.ptcc(false),
  ES_DNI: () => G.dni(false),
  ES_NIE: () => G.nie(false),
  US_SSN: () => G.ssn(false),
  IP_ADDRESS: () => G.ipv4(false),
};

// Digit runs that are not PII: order numbers, invoices, tracking, dates, versions, prices. Some order
// numbers are deliberately NIF-valid or Luhn-valid so that only context can settle them.
const NEG = {
  dev: [
    () => `Order #${G.nif(true)} has shipped.`,
    () => `Invoice ${G.digits(9)} is overdue.`,
    () => `Tracking number ${G.digits(12)} shows delivered.`,
    () => `order number ${G.int(100000000, 999999999)}`,
    () => `The meeting is on ${G.int(2020, 2026)}-0${G.int(1, 9)}-${G.int(10, 28)} at 10:30.`,
    () => `Upgrade to version ${G.int(1, 20)}.${G.int(0, 20)}.${G.int(0, 99)} please`,
    () => `Build ${G.int(10, 11)}.0.${G.int(10000, 22999)}.${G.int(100, 3000)} crashed`,
    () => `Total: $${G.int(1, 999)},${G.digits(3)},${G.digits(3)}.${G.digits(2)}`,
    () => `Pedido n.º ${G.digits(9)} foi enviado.`,
    () => `Referencia de pedido ${G.digits(10)}`,
    () => `Commande ${G.digits(9)} expédiée`,
    () => `Rechnungsnummer ${G.digits(9)}`,
    () => `ticket ${G.digits(7)} reopened`,
    () => `pi is 3.${G.digits(14)}`,
    () => `Call the function with timeout 30000 and retries 5`,
    () => `ISBN 978-${G.int(0, 9)}-${G.digits(3)}-${G.digits(5)}-${G.int(0, 9)}`,
    () => `The population grew from 10 345 678 to 10 412 000`,
    () => `commit ${Array.from({ length: 40 }, () => '0123456789abcdef'[G.int(0, 15)]).join('')} fixed it`,
    () => `my password is hunter2`,
    () => `pip install scikit-learn==1.${G.int(0, 5)}.${G.int(0, 9)}`,
  ],
  holdout: [
    () => `Your package ${G.digits(11)} is out for delivery`,
    () => `Encomenda ${G.nif(true)} entregue.`,
    () => `Booking reference ${G.digits(9)} confirmed`,
    () => `Released on ${G.int(10, 28)}/0${G.int(1, 9)}/${G.int(2019, 2026)}.`,
    () =>
      `Node ${G.int(18, 22)}.${G.int(0, 20)}.${G.int(0, 9)} and npm ${G.int(9, 11)}.${G.int(0, 9)}.${G.int(0, 9)}`,
    () => `Transaction id ${G.digits(16)}`,
    () => `SKU ${G.digits(8)}-${G.digits(2)} out of stock`,
    () => `Auftrag ${G.digits(10)} wurde storniert`,
    () => `The timestamp 17${G.digits(8)} is in seconds`,
    () => `Serial ${G.digits(9)} registered`,
    () => `Case ${G.digits(11)} escalated`,
    () => `Coordinates 38.${G.digits(6)}, -9.${G.digits(6)}`,
  ],
};

for (const split of ['dev', 'holdout']) {
  G.reseed(split === 'dev' ? 1234 : 98765);
  const perTemplate = split === 'dev' ? 4 : 3;
  for (const [type, spec] of Object.entries(T)) {
    for (const tpl of spec[split]) {
      for (let i = 0; i < perTemplate; i++) {
        const v = spec.gen(true);
        add(split, 'pii', tpl.replace('{v}', v), { pii: [{ type, value: v }] });
      }
      const inv = INVALID[type];
      if (inv) {
        for (let i = 0; i < 2; i++) {
          const v = inv();
          add(split, 'pii', tpl.replace('{v}', v), { pii: [] }, { invalidOf: type, invalidValue: v });
        }
      }
    }
  }
  for (const tpl of GENERIC[split]) {
    for (let i = 0; i < 3; i++) {
      const v = G.genericSecret();
      add(split, 'pii', tpl.replace('{v}', v), { pii: [{ type: 'API_KEY', value: v }] });
    }
  }
  for (const tpl of AWS[split]) {
    const v = G.awsSecret();
    add(split, 'pii', tpl.replace('{v}', v), { pii: [{ type: 'API_KEY', value: v }] });
  }
  // Mixed: several values in one message.
  for (let i = 0; i < (split === 'dev' ? 15 : 10); i++) {
    const e = G.email();
    const p = G.phone();
    const c = G.card(true);
    const ib = G.iban(true);
    const text =
      split === 'dev'
        ? `Hi, I'm ${e.split('@')[0]}. Email ${e}, call ${p}. Card ${c}. Refund to ${ib}.`
        : `Customer record -- mail: ${e} | mobile: ${p} | payment: ${c} | bank: ${ib}`;
    add(split, 'pii', text, {
      pii: [
        { type: 'EMAIL', value: e },
        { type: 'PHONE', value: p },
        { type: 'CREDIT_CARD', value: c },
        { type: 'IBAN', value: ib },
      ],
    });
  }
  for (const gen of NEG[split]) {
    for (let i = 0; i < 3; i++) add(split, 'pii', gen(), { pii: [] });
  }
}

for (const c of INJECTION_CASES)
  add(
    c.split,
    'injection',
    c.text,
    { injection: c.label === 1 },
    c.source ? { source: c.source, tag: c.tag } : { tag: c.tag },
  );

writeFileSync(join(here, 'cases.json'), `${JSON.stringify(cases, null, 1)}\n`);
const count = (k, s) => cases.filter((c) => c.kind === k && c.split === s).length;
console.log(
  `wrote ${cases.length} cases: pii dev ${count('pii', 'dev')}, pii holdout ${count('pii', 'holdout')}, injection dev ${count('injection', 'dev')}, injection holdout ${count('injection', 'holdout')}`,
);
