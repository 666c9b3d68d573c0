/** Hostile values the fuzz tests build their requests and messages from: odd text, polluting keys, deep nesting, broken JSON. */
import fc from 'fast-check';

const printableChar = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));
export const printable = (maxLength = 40) => fc.string({ unit: printableChar, maxLength });

export const hostileText = fc.oneof(
  { weight: 4, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: 'binary' }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '', ' ', '\u0000', '\u202e', '\ud800', '../../../etc/passwd', '<script>alert(1)</script>', "' OR '1'='1",
      '%00', '${jndi:ldap://x/a}', 'null', '-1', '1e309', 'NaN', '+15550000001', '+1', 'sub-1', 'pub-camera', 'camera',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 65, max: 40_000 }).map((n) => 'x'.repeat(n)) },
);

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileText },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
  { weight: 1, arbitrary: fc.array(fc.jsonValue(), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 4 }) },
);

const FIELDS = ['name', 'room', 'caller', 'call_type', 'audio', 'video', 'password', 'number', 'callee', 'phone_number', 'callId', 'sdp', 'id', 'token', 'type'];
const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype'];

const fieldsObject = fc.dictionary(fc.constantFrom(...FIELDS), hostileValue, { maxKeys: 6 });

/** JSON text with a prototype-polluting key up front (written as text: an object literal would set the prototype instead). */
export const pollutingJson = fc
  .tuple(fc.constantFrom(...POLLUTION_KEYS), fc.oneof(fc.jsonValue(), fc.constant({ polluted: 1 }), fc.constant({ prototype: { polluted: 1 } })), fieldsObject)
  .map(([key, value, rest]) => {
    const tail = JSON.stringify(rest).slice(1);
    return `{${JSON.stringify(key)}:${JSON.stringify(value)}${tail === '}' ? '}' : `,${tail}`}`;
  });

export const deeplyNested = fc.oneof(
  fc.integer({ min: 1, max: 8_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.integer({ min: 1, max: 3_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
);

export const jsonText = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
  { weight: 4, arbitrary: fieldsObject.map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: pollutingJson },
  { weight: 1, arbitrary: deeplyNested },
);

export const brokenText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  jsonText.chain((text) => fc.nat(Math.max(0, text.length - 1)).map((cut) => text.slice(0, cut))),
);
