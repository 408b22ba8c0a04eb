import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/*
 * A software passkey authenticator, written from the WebAuthn Level 3 and CTAP2 texts with
 * node:crypto (not with the library Tokengate uses, so that the two check each other): ES256
 * key pairs, "none" attestation, assertions with a chosen signature counter, flags, origin and
 * RP ID hash. Its answers are the JSON browsers send (PublicKeyCredential.toJSON()).
 */

export const FLAGS = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const;

// --- A minimal CBOR encoder (RFC 8949): the types a COSE key and an attestation object use.

function head(major: number, value: number): Buffer {
  if (value < 24) return Buffer.from([(major << 5) | value]);
  if (value < 0x100) return Buffer.from([(major << 5) | 24, value]);
  if (value < 0x10000) return Buffer.from([(major << 5) | 25, value >> 8, value & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(value, 1);
  return b;
}

type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;

export function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, text.length), text]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  const parts = [head(5, value.size)];
  for (const [k, v] of value) parts.push(cbor(k), cbor(v));
  return Buffer.concat(parts);
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();
const b64 = (data: Buffer | Uint8Array) => Buffer.from(data).toString('base64url');

export interface SoftCredential {
  id: Buffer;
  privateKey: KeyObject;
  userHandle: string;
  counter: number;
}

/** The options' fields the authenticator reads (PublicKeyCredential*OptionsJSON). */
interface CreationOptions {
  challenge: string;
  rp: { id?: string };
  user: { id: string };
}
interface RequestOptions {
  challenge: string;
  rpId?: string;
  allowCredentials?: Array<{ id: string }>;
}

export interface CeremonyOverrides {
  origin?: string;
  /** The RP ID whose hash goes into the authenticator data (default: the options' RP ID). */
  rpId?: string;
  flags?: number;
  /** The challenge in clientDataJSON (default: the options'). */
  challenge?: string;
  type?: string;
}

export interface AssertionOverrides extends CeremonyOverrides {
  credential?: SoftCredential;
  /** The counter to report; default: one more than the last. */
  counter?: number;
  /** Sign with another key (a forgery). */
  signWith?: KeyObject;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(readonly origin: string) {}

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
  }

  /** navigator.credentials.create(): a new credential for the options' user. */
  register(options: CreationOptions, overrides: CeremonyOverrides & { counter?: number } = {}) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const coseKey = new Map<Cbor, Cbor>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x!, 'base64url')],
      [-3, Buffer.from(jwk.y!, 'base64url')],
    ]);
    const id = randomBytes(32);
    const counter = overrides.counter ?? 0;
    const credential: SoftCredential = { id, privateKey, userHandle: options.user.id, counter };
    const rpId = overrides.rpId ?? options.rp.id ?? new URL(this.origin).hostname;
    const flags = overrides.flags ?? FLAGS.UP | FLAGS.UV | FLAGS.AT;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(id.length);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([flags]), count, Buffer.alloc(16), idLength, id, cbor(coseKey)]);
    const attestationObject = cbor(new Map<Cbor, Cbor>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    const clientDataJSON = this.clientData(overrides.type ?? 'webauthn.create', overrides.challenge ?? options.challenge, overrides.origin ?? this.origin);
    this.credentials.push(credential);
    return {
      credential,
      response: {
        id: b64(id),
        rawId: b64(id),
        type: 'public-key',
        authenticatorAttachment: 'platform',
        clientExtensionResults: {},
        response: {
          clientDataJSON: b64(clientDataJSON),
          attestationObject: b64(attestationObject),
          transports: ['internal', 'hybrid'],
        },
      },
    };
  }

  /** navigator.credentials.get(): an assertion by an allowed credential (or, discoverable, the last one made). */
  assert(options: RequestOptions, overrides: AssertionOverrides = {}) {
    const allowed = (options.allowCredentials ?? []).map((c) => c.id);
    const credential =
      overrides.credential ??
      (allowed.length > 0 ? this.credentials.find((c) => allowed.includes(b64(c.id))) : this.credentials.at(-1));
    if (!credential) throw new Error('the authenticator has no credential for these options');
    const counter = overrides.counter ?? credential.counter + 1;
    credential.counter = counter;
    const rpId = overrides.rpId ?? options.rpId ?? new URL(this.origin).hostname;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([overrides.flags ?? FLAGS.UP | FLAGS.UV]), count]);
    const clientDataJSON = this.clientData(overrides.type ?? 'webauthn.get', overrides.challenge ?? options.challenge, overrides.origin ?? this.origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), overrides.signWith ?? credential.privateKey);
    return {
      id: b64(credential.id),
      rawId: b64(credential.id),
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64(clientDataJSON),
        authenticatorData: b64(authData),
        signature: b64(signature),
        userHandle: credential.userHandle,
      },
    };
  }
}

/** A key that belongs to no registered credential. */
export function strayKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}
