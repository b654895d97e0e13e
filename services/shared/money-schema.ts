// Money over HTTP: `{ "amountMinor": 1299, "currencyCode": "EUR" }`, an integer count of minor units.
// Internally amounts are bigint; this module is the only bridge, and it never lets a float through.
import { currencyCodes } from './text-rules.ts';

/** Largest amount accepted over HTTP: exact in a JSON number (2^53 - 1 would be too, this is saner). */
export const maxAmountMinor = 1_000_000_000_000;

export const moneySchema = {
  type: 'object',
  required: ['amountMinor', 'currencyCode'],
  additionalProperties: false,
  properties: {
    amountMinor: { type: 'integer', minimum: 0, maximum: maxAmountMinor, description: 'Amount in minor units (1299 = 12.99).' },
    currencyCode: { type: 'string', enum: currencyCodes, description: 'ISO 4217 code of a real currency, for example EUR (not XXX or XTS).' },
  },
} as const;

export interface MoneyJson {
  amountMinor: number;
  currencyCode: string;
}

export function moneyFromJson(json: MoneyJson): { amountMinor: bigint; currencyCode: string } {
  return { amountMinor: BigInt(json.amountMinor), currencyCode: json.currencyCode };
}

export function moneyToJson(money: { amountMinor: bigint; currencyCode: string }): MoneyJson {
  return { amountMinor: Number(money.amountMinor), currencyCode: money.currencyCode };
}
