/**
 * Secrets compared in constant time: both sides are hashed (SHA-256) and
 * the digests compared byte by byte without stopping early, so neither the
 * length nor the first difference shows in the time an answer takes.
 * Internal.
 *
 * @module
 */

const encoder = new TextEncoder();

/** The SHA-256 digest of `text`. */
async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.digest("SHA-256", encoder.encode(text)),
  );
}

/** A secret kept only as its digest, which `matches` compares against. */
export class Secret {
  readonly #digest: Promise<Uint8Array>;

  /** @param value The secret. */
  constructor(value: string) {
    this.#digest = digest(value);
  }

  /** Whether `given` is the secret, in time that does not depend on it. */
  async matches(given: string): Promise<boolean> {
    const [a, b] = await Promise.all([digest(given), this.#digest]);
    let difference = 0;
    for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
    return difference === 0;
  }
}

/** A fresh random secret: 32 bytes, in hex. */
export function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
