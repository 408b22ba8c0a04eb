import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { authenticatorFrom, base32Decode, hotp, readQrCode } from '../helpers/authenticator.js';

/* The test authenticator must itself be right: RFC 4226 appendix D and RFC 6238 appendix B. */

const RFC_SECRET = Buffer.from('12345678901234567890', 'ascii');

describe('the test authenticator', () => {
  it('computes the HOTP values of RFC 4226 appendix D', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expect(expected.map((_, counter) => hotp(RFC_SECRET, counter))).toEqual(expected);
  });

  it('computes the SHA-1 TOTP values of RFC 6238 appendix B', () => {
    const vectors: Array<[number, string]> = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [seconds, code] of vectors) expect(hotp(RFC_SECRET, Math.floor(seconds / 30), 8)).toBe(code);
  });

  it('decodes base32 and reads an otpauth:// URL out of a QR code', async () => {
    expect(base32Decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ').toString('ascii')).toBe('12345678901234567890');
    const url = 'otpauth://totp/Example:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example';
    const scanned = readQrCode(await QRCode.toDataURL(url));
    expect(scanned).toBe(url);
    const app = authenticatorFrom(scanned);
    expect(app).toMatchObject({ label: 'Example:alice', issuer: 'Example' });
    expect(app.codeAt(59_000)).toBe('287082');
    expect(app.codeAt(59_000, 1)).toBe('359152');
  });
});
