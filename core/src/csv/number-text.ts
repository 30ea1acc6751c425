/**
 * One reading of numbers as people and exports write them, shared by the contact importer (lead
 * score), the CSV evaluator and trainer (numeric columns) and tenant models (custom-field amounts),
 * so "$1,500,000" means the same number everywhere.
 *
 * Accepted besides plain numbers ("85", "-1.5", "2e3"): a currency symbol or ISO code before or after
 * ("$1,500", "1 500 €", "USD 1200", "1200.00 GBP"), a trailing percent sign ("85%" → 85), thousands
 * separators in groups of three (",", "." before a decimal comma, space, no-break space, "'"), a
 * decimal comma ("85,5"), accounting negatives ("(1,200)") and the Unicode minus. Ambiguous text is
 * read the way spreadsheets in English locales write it: "1,200" is 1200, "1.234" is 1.234, "0,125"
 * is 0.125. Anything else — words, phone-like groups ("+1 555 123 4567"), two numbers — is NaN.
 */
const PLAIN = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const CURRENCY = /^(?:[$€£¥₹]|(?:USD|EUR|GBP|CAD|AUD|CHF|JPY|INR|NZD|SEK|NOK|DKK)(?=[\s\d]))\s*|\s*(?:[$€£¥₹]|(?<=[\d\s])(?:USD|EUR|GBP|CAD|AUD|CHF|JPY|INR|NZD|SEK|NOK|DKK))$/gi;
const COMMA_THOUSANDS = /^[1-9]\d{0,2}(,\d{3})+(\.\d+)?$/;
const DOT_THOUSANDS = /^[1-9]\d{0,2}(\.\d{3})+(,\d+)?$/;
const SPACE_THOUSANDS = /^[1-9]\d{0,2}([ '\u00a0\u202f]\d{3})+([.,]\d+)?$/;
const DECIMAL_COMMA = /^\d+,\d+$/;
const UNSIGNED_PLAIN = /^(\d+\.?\d*|\.\d+)$/;

export function readNumberText(raw: string): number {
  const trimmed = raw.trim();
  if (PLAIN.test(trimmed)) return Number(trimmed);
  if (!/\d/.test(trimmed) || trimmed.length > 40) return Number.NaN;
  let s = trimmed.replace(/[\u00a0\u202f]/g, ' ');
  let negative = false;
  if (s.startsWith('(') && s.endsWith(')')) {
    negative = true;
    s = s.slice(1, -1).trim();
  }
  if (/^[-\u2212]/.test(s)) {
    negative = !negative;
    s = s.slice(1).trim();
  } else if (s.startsWith('+')) s = s.slice(1).trim();
  if (s.endsWith('%')) s = s.slice(0, -1).trim();
  s = s.replace(CURRENCY, '').trim();
  // a sign written after the currency symbol: "$-1,200", "€ -5"
  if (/^[-\u2212]/.test(s) && !negative) {
    negative = true;
    s = s.slice(1).trim();
  }
  const value = bodyValue(s);
  return Number.isNaN(value) ? value : negative ? -value : value;
}

function bodyValue(s: string): number {
  if (UNSIGNED_PLAIN.test(s)) return Number(s);
  if (COMMA_THOUSANDS.test(s)) return Number(s.replace(/,/g, ''));
  // "1.234,56" and "1.234.567": dots as thousands only with a decimal comma or two groups
  if (DOT_THOUSANDS.test(s) && (s.includes(',') || s.split('.').length > 2)) return Number(s.replace(/\./g, '').replace(',', '.'));
  if (SPACE_THOUSANDS.test(s)) return Number(s.replace(/[ '\u00a0\u202f]/g, '').replace(',', '.'));
  if (DECIMAL_COMMA.test(s)) return Number(s.replace(',', '.'));
  return Number.NaN;
}
