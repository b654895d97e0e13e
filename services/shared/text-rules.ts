// ISO 4217 currency codes a price may use, and the text rules of human-readable fields. Shared by the
// HTTP schemas (Catalog, Sales) and Sales' check of incoming events, so both sides refuse the same values.

/**
 * The ISO 4217 codes of real currencies (160): ICU's list as Node 24.21 ships it
 * (`Intl.supportedValuesOf('currency')`), without XDR and XSU (units of account, not money anyone pays
 * in). Kept as a literal so the contract does not change with the Node version. Absent on purpose: XXX
 * ("no currency"), XTS (testing), the metals XAU, XAG, XPT, XPD, and the bond-market units XBA to XBD.
 */
export const currencyCodes = [
  'AED', 'AFN', 'ALL', 'AMD', 'ANG', 'AOA', 'ARS', 'AUD', 'AWG', 'AZN', 'BAM', 'BBD', 'BDT', 'BGN', 'BHD', 'BIF',
  'BMD', 'BND', 'BOB', 'BRL', 'BSD', 'BTN', 'BWP', 'BYN', 'BZD', 'CAD', 'CDF', 'CHF', 'CLP', 'CNY', 'COP', 'CRC',
  'CUC', 'CUP', 'CVE', 'CZK', 'DJF', 'DKK', 'DOP', 'DZD', 'EGP', 'ERN', 'ETB', 'EUR', 'FJD', 'FKP', 'GBP', 'GEL',
  'GHS', 'GIP', 'GMD', 'GNF', 'GTQ', 'GYD', 'HKD', 'HNL', 'HRK', 'HTG', 'HUF', 'IDR', 'ILS', 'INR', 'IQD', 'IRR',
  'ISK', 'JMD', 'JOD', 'JPY', 'KES', 'KGS', 'KHR', 'KMF', 'KPW', 'KRW', 'KWD', 'KYD', 'KZT', 'LAK', 'LBP', 'LKR',
  'LRD', 'LSL', 'LYD', 'MAD', 'MDL', 'MGA', 'MKD', 'MMK', 'MNT', 'MOP', 'MRU', 'MUR', 'MVR', 'MWK', 'MXN', 'MYR',
  'MZN', 'NAD', 'NGN', 'NIO', 'NOK', 'NPR', 'NZD', 'OMR', 'PAB', 'PEN', 'PGK', 'PHP', 'PKR', 'PLN', 'PYG', 'QAR',
  'RON', 'RSD', 'RUB', 'RWF', 'SAR', 'SBD', 'SCR', 'SDG', 'SEK', 'SGD', 'SHP', 'SLE', 'SLL', 'SOS', 'SRD', 'SSP',
  'STN', 'SVC', 'SYP', 'SZL', 'THB', 'TJS', 'TMT', 'TND', 'TOP', 'TRY', 'TTD', 'TWD', 'TZS', 'UAH', 'UGX', 'USD',
  'UYU', 'UZS', 'VES', 'VND', 'VUV', 'WST', 'XAF', 'XCD', 'XCG', 'XOF', 'XPF', 'YER', 'ZAR', 'ZMW', 'ZWG', 'ZWL',
] as const;

const known = new Set<string>(currencyCodes);

export function isCurrencyCode(code: string): boolean {
  return known.has(code);
}

// C0/C1 controls and DEL, and the Unicode bidirectional controls (embeddings, overrides, isolates,
// marks) that can make a title display as something else than it is ("Trojan Source").
const forbiddenChars = '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';

/** JSON-schema pattern of a display text: at least one visible character, no control or bidi character. */
export const displayTextPattern = `^(?=[^]*[^\\s])[^${forbiddenChars}]*$`;

/** JSON-schema pattern of free text (a reason): may be empty or blank, never a control or bidi character. */
export const plainTextPattern = `^[^${forbiddenChars}]*$`;

/** The same rule as a RegExp, for values that did not come through a route schema (incoming events). */
export const displayText = new RegExp(displayTextPattern, 'u');
