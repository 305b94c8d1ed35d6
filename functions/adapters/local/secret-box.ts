// Encrypts secure parameter values at rest (AES-256-GCM) with a key kept beside the store in
// a 0600 file, or given in REDIS_HA_LOCAL_KEY (base64, 32 bytes). Never logs the key or values,
// and never generates a key while values sealed with another one exist.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEY_FILE } from './local-database';
import { StoreError, StoreFault, storeErrorFrom } from './store-error';

const KEY_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface SecretBoxOptions {
  /** REDIS_HA_LOCAL_KEY: wins over the key file when set and not empty. */
  readonly envKey?: string | undefined;
  /** False for read-only commands: they never write a key file. */
  readonly canCreateKey: boolean;
  /** How many sealed values the store holds: a key is never generated while there are any. */
  readonly countSealedValues: () => number;
}

export class SecretBox {
  private key: Buffer | undefined;

  private constructor(
    private readonly keyFile: string,
    private readonly options: SecretBoxOptions,
  ) {}

  /**
   * The box for a store folder. A bad REDIS_HA_LOCAL_KEY, or a missing key file while sealed
   * values exist, fails here (at open) rather than at the first secure read.
   */
  static forDirectory(directory: string, options: SecretBoxOptions): SecretBox {
    const box = new SecretBox(join(directory, KEY_FILE), options);
    if (options.envKey) box.key = decodeKey(options.envKey, 'REDIS_HA_LOCAL_KEY');
    else box.key = box.readKeyFile();
    if (!box.key) {
      const sealed = options.countSealedValues();
      if (sealed > 0)
        throw new StoreError(
          StoreFault.keyMissing,
          box.keyFile,
          `the store holds ${sealed} secure value(s) but its key ${box.keyFile} is missing: restore that file from a backup, or set REDIS_HA_LOCAL_KEY to the key they were sealed with (a new key would not open them, so none is generated)`,
        );
    }
    return box;
  }

  /** Where the key comes from, for messages. */
  get keySource(): string {
    return this.options.envKey ? 'REDIS_HA_LOCAL_KEY' : this.keyFile;
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keyForSealing(), iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  open(sealed: string): string {
    const key = this.key;
    if (!key)
      throw new StoreError(
        StoreFault.keyMissing,
        this.keyFile,
        `a secure value exists but the store key ${this.keyFile} is missing`,
      );
    const raw = Buffer.from(sealed.replace(/^v1:/, ''), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new StoreError(
        StoreFault.keyWrong,
        this.keySource,
        `a secure parameter could not be decrypted with the key in ${this.keySource}: it is not the key the values were sealed with`,
        { cause: error },
      );
    }
  }

  private readKeyFile(): Buffer | undefined {
    let text: string;
    try {
      text = readFileSync(this.keyFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw storeErrorFrom(error, this.keyFile, false);
    }
    return decodeKey(text.trim(), this.keyFile);
  }

  /** The key, generated on first use in a store that has no sealed values yet. */
  private keyForSealing(): Buffer {
    if (this.key) return this.key;
    if (this.options.countSealedValues() > 0 || !this.options.canCreateKey)
      throw new StoreError(
        StoreFault.keyMissing,
        this.keyFile,
        `the store key ${this.keyFile} is missing and cannot be created now`,
      );
    try {
      writeFileSync(this.keyFile, randomBytes(KEY_BYTES).toString('base64'), {
        mode: 0o600,
        flag: 'wx',
      });
    } catch (error) {
      // Another process generated it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
        throw storeErrorFrom(error, this.keyFile, true);
    }
    this.key = this.readKeyFile();
    if (!this.key) throw new StoreError(StoreFault.io, this.keyFile, `${this.keyFile} vanished`);
    return this.key;
  }
}

function decodeKey(text: string, source: string): Buffer {
  const key = BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
  if (!key || key.length !== KEY_BYTES)
    throw new StoreError(
      StoreFault.keyInvalid,
      source,
      `${source} does not hold a valid key: expected ${KEY_BYTES} bytes in base64 (e.g. from \`openssl rand -base64 32\`)`,
    );
  return key;
}
