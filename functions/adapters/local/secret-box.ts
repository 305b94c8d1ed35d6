// Encrypts secure parameter values at rest (AES-256-GCM) with a key kept beside the store in
// a 0600 file, or given in REDIS_HA_LOCAL_KEY (base64, 32 bytes). Never logs the key or values.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RedisHaError } from '../../core/errors';

const KEY_FILE = 'secret.key';

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** Loads the key for a store directory, creating it on first use. */
  static forDirectory(directory: string, envKey = process.env.REDIS_HA_LOCAL_KEY): SecretBox {
    if (envKey) {
      const key = Buffer.from(envKey, 'base64');
      if (key.length !== 32)
        throw new RedisHaError('BAD_LOCAL_KEY', 'REDIS_HA_LOCAL_KEY: expected 32 bytes in base64');
      return new SecretBox(key);
    }
    const file = join(directory, KEY_FILE);
    if (!existsSync(file)) {
      try {
        writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    return new SecretBox(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  open(sealed: string): string {
    const raw = Buffer.from(sealed.replace(/^v1:/, ''), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new RedisHaError(
        'SECRET_UNREADABLE',
        'a secure parameter could not be decrypted with this store key',
        { cause: error },
      );
    }
  }
}
