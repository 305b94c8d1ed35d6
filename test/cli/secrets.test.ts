// The leak check and the fingerprint tests use to keep passwords out of their own failure
// output: a failure must say which secret leaked where, and never show it.
import { describe, expect, it } from 'vitest';
import { expectNoSecret, fingerprint, withoutSecureValue } from '../support/secrets';

const SECRET = 'Leak-Check-Pw-4c3b2a19';

describe('expectNoSecret', () => {
  it('passes when no output contains any secret', () => {
    expect(() =>
      expectNoSecret(['probe ok', 'password=********'], { password: SECRET, other: 'Other-Pw-1' }),
    ).not.toThrow();
  });

  it('names the secret and the output it was found in, without printing either', () => {
    const leaking = `redis://:${SECRET}@127.0.0.1:6379`;
    let message = '';
    try {
      expectNoSecret(['clean', leaking], { 'new password': SECRET });
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toBe('secret new password found in output #1');
    expect(message).not.toContain(SECRET.slice(0, 8));
  });

  it('refuses an empty secret, which every output would contain', () => {
    expect(() => expectNoSecret(['anything'], { password: '' })).toThrow(
      'secret password is empty',
    );
  });
});

describe('fingerprint', () => {
  it('is equal for equal secrets, differs for different ones and does not contain the secret', () => {
    expect(fingerprint(SECRET)).toBe(fingerprint(SECRET));
    expect(fingerprint(SECRET)).not.toBe(fingerprint(`${SECRET}x`));
    expect(fingerprint(SECRET)).toMatch(/^sha256:[0-9a-f]{12}$/);
  });

  it('replaces the value of secure parameters only', () => {
    const stored = { name: '/p', value: SECRET, version: 1, updatedAt: 'now' };
    expect(withoutSecureValue({ ...stored, isSecure: true }).value).toBe(fingerprint(SECRET));
    expect(withoutSecureValue({ ...stored, isSecure: false }).value).toBe(SECRET);
  });
});
