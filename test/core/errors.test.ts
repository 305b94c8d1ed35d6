// Redaction of secrets in error texts a service echoes: as sent, and in the encoded forms the
// AWS Query protocol puts on the wire (form-encoded request, XML error answer).
import { describe, expect, it } from 'vitest';
import { redact } from '../../functions/core/errors';

/** A made-up token with every symbol ElastiCache takes. */
const TOKEN = 'Tok3n!&#$^<>-abc';

describe('redact', () => {
  it.each([
    ['as sent', TOKEN],
    ['percent-encoded', encodeURIComponent(TOKEN)],
    ['percent-encoded as the SDK sends a Query body', 'Tok3n%21%26%23%24%5E%3C%3E-abc'],
    ['XML-escaped', 'Tok3n!&amp;#$^&lt;&gt;-abc'],
  ])('hides a token echoed %s', (_form, echoed) => {
    const text = `Invalid AuthToken provided: ${echoed} (request 1)`;

    expect(redact(text, [TOKEN])).toBe('Invalid AuthToken provided: *** (request 1)');
  });

  it('hides every secret given, skips undefined ones, and leaves other text alone', () => {
    const text = 'old=secret-one new=secret%2Ftwo other=secret-three';

    expect(redact(text, ['secret-one', undefined, 'secret/two'])).toBe(
      'old=*** new=*** other=secret-three',
    );
  });

  it('hides the whole escaped form of a token that is the start of its own escaped form', () => {
    expect(redact('got abc&amp; here', ['abc&'])).toBe('got *** here');
  });
});
