import { createHmac } from 'node:crypto';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';

/*
 * An authenticator app, written from RFC 4226 and RFC 6238 with node:crypto (not with the
 * library Tokengate uses, so that the two check each other): it reads the QR code of a setup,
 * takes the otpauth:// URL in it, and computes the code of any moment.
 */

// jsQR is CommonJS with ES-module types: under NodeNext its default import is the module itself.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Decode(text: string): Buffer {
  let bits = '';
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    const value = BASE32.indexOf(char);
    if (value < 0) throw new Error(`not base32: ${char}`);
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes = bits.match(/.{8}/g) ?? [];
  return Buffer.from(bytes.map((byte) => parseInt(byte, 2)));
}

/** RFC 4226: HMAC of the 8-byte counter, dynamic truncation, the last `digits` decimal digits. */
export function hotp(key: Buffer, counter: number, digits = 6, algorithm = 'sha1'): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, key).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The text in a QR code given as a PNG data URL, as a phone's camera reads it. */
export function readQrCode(dataUrl: string): string {
  const match = /^data:image\/png;base64,(.+)$/.exec(dataUrl);
  if (!match) throw new Error('not a PNG data URL');
  const png = PNG.sync.read(Buffer.from(match[1]!, 'base64'));
  const found = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  if (!found) throw new Error('no QR code in the image');
  return found.data;
}

export interface Authenticator {
  label: string;
  issuer: string | null;
  /** The code shown at `epochMs`, or `steps` time steps later (negative: earlier). */
  codeAt(epochMs: number, steps?: number): string;
}

/** Sets an app up from an otpauth:// URL; SHA1, 6 digits and 30 s unless the URL says otherwise. */
export function authenticatorFrom(otpauthUrl: string): Authenticator {
  const url = new URL(otpauthUrl);
  if (url.protocol !== 'otpauth:' || url.host !== 'totp') throw new Error(`not a TOTP URL: ${otpauthUrl}`);
  const secret = url.searchParams.get('secret');
  if (!secret) throw new Error('no secret in the URL');
  const key = base32Decode(secret);
  const digits = Number(url.searchParams.get('digits') ?? 6);
  const period = Number(url.searchParams.get('period') ?? 30);
  const algorithm = (url.searchParams.get('algorithm') ?? 'SHA1').toLowerCase();
  return {
    label: decodeURIComponent(url.pathname.replace(/^\//, '')),
    issuer: url.searchParams.get('issuer'),
    codeAt: (epochMs, steps = 0) => hotp(key, Math.floor(epochMs / 1000 / period) + steps, digits, algorithm),
  };
}
