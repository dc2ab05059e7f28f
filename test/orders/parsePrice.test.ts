import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatCents, MAX_PRICE_CENTS, tryParsePrice } from '../../src/orders/index.ts';

describe('exact price parsing (no float math)', () => {
  it('converts JSON numbers and decimal strings to exact cents', () => {
    const cases: Array<[unknown, bigint]> = [
      [19.99, 1999n], ['19.99', 1999n], [0.1, 10n], ['0.10', 10n], [0.01, 1n], [1, 100n], ['7', 700n],
      [1.1, 110n], [4.35, 435n], [1.005e2, 10050n], [1000000000, 100000000000n], ['9.9', 990n],
    ];
    for (const [input, cents] of cases) assert.deepEqual(tryParsePrice(input), { ok: true, cents }, String(input));
  });

  it('rejects zero, negatives, more than 2 decimals, exponents, junk and non-finite values', () => {
    for (const input of [0, '0', '0.00', -1, '-1', -0.5, 1.234, '1.234', '19.990', 1e-7, 1e21, '1e3', ' 1', '1.', '.5', '', 'abc', '0x10', NaN, Infinity, null, true, {}]) {
      assert.equal(tryParsePrice(input).ok, false, `accepted ${String(input)}`);
    }
    assert.deepEqual(tryParsePrice(1.234), { ok: false, error: 'price must have at most 2 decimal places' });
    assert.deepEqual(tryParsePrice(0), { ok: false, error: 'price must be greater than 0' });
  });

  it('caps the unit price so any order total fits in bigint', () => {
    assert.equal(tryParsePrice('1000000000.00').ok, true);
    assert.equal(tryParsePrice('1000000000.01').ok, false);
    assert.equal(MAX_PRICE_CENTS, 100_000_000_000n);
  });

  it('property: every cents value formats to a string and a number that parse back to it exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: MAX_PRICE_CENTS }), (cents) => {
        const text = formatCents(cents);
        assert.deepEqual(tryParsePrice(text), { ok: true, cents });
        // The JSON number a client would send for this price (shortest round-trip repr).
        assert.deepEqual(tryParsePrice(Number(text)), { ok: true, cents });
      }),
      { numRuns: 2000 },
    );
  });
});
