/**
 * Context words that settle ambiguous digit runs (phone vs order number vs id). The nearest keyword in the
 * window before a candidate wins; `neutral` when none is present.
 */
export type ContextKind = 'phone' | 'negative' | 'id' | 'ssn' | 'neutral';

// Words that make a digit run NOT personal data (order numbers, invoices, tracking, versions) in EN/PT/ES/FR/DE.
const NEGATIVE =
  'order|orders|invoice|tracking|track|ref|reference|ticket|case|id|account|acct|version|ver|build|release|serial|sku|part|po|transaction|txn|confirmation|booking|reservation|shipment|parcel|package|item|product|model|isbn|zip|postal|postcode|code|pin|otp|encomenda|fatura|factura|pedido|referencia|commande|facture|bestellung|bestellnummer|rechnung|rechnungsnummer|sendung|auftrag|kundennummer|seguimiento|rastreio|numero de serie|lote|batch|job|run|issue|pr|build';
// Words that support a phone reading.
const PHONE =
  'call|calls|calling|phone|telephone|tel|mobile|cell|cellphone|fax|whatsapp|sms|text me|contact|reach me|dial|ring|telefone|telemovel|telemóvel|ligar|liga|contacto|contato|telefono|teléfono|movil|móvil|llamar|llama|llámame|telephoner|téléphoner|téléphone|portable|appeler|appelez|telefon|handy|anrufen|rufen sie|mobil|tlf|tlm|tel\\.|ph';
// Words that introduce a national identifier (the id detectors accept, the phone detector rejects).
const ID =
  'nif|nipc|contribuinte|fiscal|vat|nif/nipc|tax id|tax number|tin|niss|seguranca social|segurança social|cartao de cidadao|cartão de cidadão|citizen card|documento|document|dni|nie|identidad|identity|id card|passport|bi|cc';
const SSN = 'ssn|social security|social security number|ss#|ssn#';

const CONTEXT_RE = new RegExp(
  `(?:^|[^\\p{L}\\p{N}])(?:(${SSN})|(${ID})|(${PHONE})|(${NEGATIVE}))(?=$|[^\\p{L}\\p{N}])|(#|n\\.?º|nº|no\\.)`,
  'giu',
);

/** Classify the window of `size` characters before `start`. */
export function contextBefore(text: string, start: number, size = 40): ContextKind {
  const from = Math.max(0, start - size);
  let window = text.slice(from, start);
  // Drop a word cut by the window edge ("martin" must not read as "tin").
  if (from > 0) window = window.replace(/^[\p{L}\p{N}]+/u, '');
  CONTEXT_RE.lastIndex = 0;
  let kind: ContextKind = 'neutral';
  // The last explicit identifier label ("NIF", "SSN") and where it ends.
  let label: ContextKind | undefined;
  let labelEnd = 0;
  // A bare number marker ("#", "nº") only counts when no keyword says what the number is.
  let marker = false;
  let m: RegExpExecArray | null = CONTEXT_RE.exec(window);
  while (m !== null) {
    if (m[1] !== undefined) kind = 'ssn';
    else if (m[2] !== undefined) kind = 'id';
    if (m[1] !== undefined || m[2] !== undefined) {
      label = kind;
      labelEnd = m.index + m[0].length;
    } else if (m[3] !== undefined) kind = 'phone';
    else if (m[4] !== undefined) kind = 'negative';
    else marker = true;
    // Step back one char so that adjacent keywords (sharing the separator) are all seen.
    CONTEXT_RE.lastIndex = m.index + m[0].length - (m[0].length > 1 ? 1 : 0);
    if (CONTEXT_RE.lastIndex <= m.index) CONTEXT_RE.lastIndex = m.index + 1;
    m = CONTEXT_RE.exec(window);
  }
  // An identifier label wins over a nearer "invoice"/"order" word when no other number sits between the
  // label and the candidate ("my NIF for the invoice is 123456789").
  if (label !== undefined && kind !== label && !/\d/.test(window.slice(labelEnd))) return label;
  return kind === 'neutral' && marker ? 'negative' : kind;
}
