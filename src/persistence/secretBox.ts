import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { StoreSecretError } from '../errors.js';
import type { EncryptionHeader } from './fileSchema.js';

/** Prefix of an encrypted value: `enc:v1:<iv>:<tag>:<ciphertext>`, each part base64. */
export const ENCRYPTED_PREFIX = 'enc:v1:';

/** scrypt cost for new files: 16 MiB and about 50 ms per derivation; stored in the header, so it can change later. */
const NEW_FILE_KDF = { N: 2 ** 14, r: 8, p: 1 } as const;
const CHECK_TEXT = 'statevisor key check';
const CHECK_CONTEXT = 'statevisor:key-check';

/**
 * AES-256-GCM encryption of credentials with a key derived from the store secret and the file's
 * salt. Each value gets a random 96-bit IV, and its account id as additional data, so a value
 * copied onto another account does not decrypt.
 *
 * @example
 * ```ts
 * const box = await SecretBox.create(secret);          // new file: new salt
 * const stored = box.encrypt('token', 'account:shop-42');
 * box.decrypt(stored, 'account:shop-42');               // 'token'
 * const again = await SecretBox.open(secret, box.header, file); // checks the key
 * ```
 */
export class SecretBox {
  private constructor(
    /** Written to the file as `encryption`. */
    readonly header: EncryptionHeader,
    private readonly key: Buffer,
  ) {}

  /** A box with a fresh random salt, for a file that has no `encryption` header yet. */
  static async create(secret: string): Promise<SecretBox> {
    const salt = randomBytes(16).toString('base64');
    const key = await deriveKey(secret, salt, NEW_FILE_KDF);
    const check = encryptWith(key, CHECK_TEXT, CHECK_CONTEXT);
    return new SecretBox({ kdf: 'scrypt', ...NEW_FILE_KDF, salt, check }, key);
  }

  /**
   * The box of an existing file.
   * @throws StoreSecretError when `secret` is not the one the file was written with.
   */
  static async open(secret: string, header: EncryptionHeader, file: string): Promise<SecretBox> {
    const key = await deriveKey(secret, header.salt, header);
    if (tryDecrypt(key, header.check, CHECK_CONTEXT) !== CHECK_TEXT) {
      throw new StoreSecretError(file, 'the secret does not match the key the file was written with');
    }
    return new SecretBox(header, key);
  }

  /** `enc:v1:…` of `plaintext`, bound to `context`. */
  encrypt(plaintext: string, context: string): string {
    return encryptWith(this.key, plaintext, context);
  }

  /** The plaintext, or `undefined` if `value` is malformed, tampered with, or bound to another context. */
  decrypt(value: string, context: string): string | undefined {
    return tryDecrypt(this.key, value, context);
  }
}

function deriveKey(secret: string, salt: string, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(secret, Buffer.from(salt, 'base64'), 32, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function encryptWith(key: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return `${ENCRYPTED_PREFIX}${iv.toString('base64')}:${tag.toString('base64')}:${ciphertext.toString('base64')}`;
}

function tryDecrypt(key: Buffer, value: string, context: string): string | undefined {
  if (!value.startsWith(ENCRYPTED_PREFIX)) return undefined;
  const [iv, tag, ciphertext, extra] = value.slice(ENCRYPTED_PREFIX.length).split(':');
  if (iv === undefined || tag === undefined || ciphertext === undefined || extra !== undefined) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
