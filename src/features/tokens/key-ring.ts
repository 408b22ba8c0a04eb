import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { SigningAlgorithm } from '../../config/config.schema.js';
import { TOKEN_EXPIRY_MARGIN_SECONDS, type Clock } from '../../lib/clock.js';
import { deriveKey, seal, unseal } from '../../lib/crypto.js';
import type { Logger } from '../../lib/logger.js';
import type { JoseHeader } from './jwt.js';
import type { KeyRepository, StoredKey } from './key.repository.js';

/*
 * The keys that sign and verify access tokens. With an asymmetric algorithm they live in the
 * database, private halves sealed with AUTH_SECRET, so every instance signs with the same key;
 * each instance holds them in memory and reloads them every 30 seconds. A new key is published
 * (JWKS) before it signs, and a retired key keeps verifying until the last token it signed has
 * expired. With HS256 the ring holds the one shared secret and publishes nothing.
 */

export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: KeyObject;
}

export type KeyStatus = 'pending' | 'current' | 'retired';

export interface KeyInfo {
  kid: string;
  alg: string;
  generation: number;
  status: KeyStatus;
  activatesAt: Date;
  /** When it stops verifying (retired keys only). */
  verifiesUntil: Date | undefined;
  /** When the next key took over signing (retired keys only); at or before activatesAt: it never signed. */
  retiredAt?: Date | undefined;
}

export interface PublicJwk extends JWK {
  kid: string;
  alg: string;
  use: 'sig';
}

export interface KeyRing {
  readonly algorithm: SigningAlgorithm;
  /** The key that signs now. */
  signingKey(): SigningKey;
  /** The key that verifies this header, or undefined: unknown kid, other algorithm, past its time. */
  verificationKey(header: JoseHeader): KeyObject | undefined;
  /** The algorithms of the keys that verify now. */
  algorithms(): readonly string[];
  /** The public keys that verify now or will soon sign. */
  jwks(): { keys: PublicJwk[] };
  describe(): KeyInfo[];
  /** Reads the stored keys; creates the first key, and rotates when due. A background job calls it. */
  load(): Promise<void>;
  /** Adds a new key that signs after the activation delay (or at once); returns it. */
  rotate(options?: { immediate?: boolean }): Promise<KeyInfo>;
}

export const KEY_RELOAD_INTERVAL_MS = 30_000;
/** A rotated-in key is published this long before it signs, so that every cache has seen it. */
export const KEY_ACTIVATION_DELAY_MS = 10 * 60_000;
export const JWKS_MAX_AGE_SECONDS = 300;

/** The `kid` of HS256 tokens: a constant, never derived from the secret (that would let guesses of it be checked). */
export const SHARED_SECRET_KID = 'hs256';

/** The ring for HS256: one shared secret, nothing to publish or rotate. */
export function createSharedSecretRing(secret: string): KeyRing {
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  const kid = SHARED_SECRET_KID;
  const info: KeyInfo = {
    kid,
    alg: 'HS256',
    generation: 1,
    status: 'current',
    activatesAt: new Date(0),
    verifiesUntil: undefined,
  };
  return {
    algorithm: 'HS256',
    signingKey: () => ({ kid, alg: 'HS256', privateKey: key }),
    // One key: any kid names it (tokens of earlier versions carry a different one).
    verificationKey: (header) => (header.alg === 'HS256' ? key : undefined),
    algorithms: () => ['HS256'],
    jwks: () => ({ keys: [] }),
    describe: () => [info],
    load: () => Promise.resolve(),
    rotate: () =>
      Promise.reject(new Error('JWT_ALG=HS256 signs with JWT_SECRET: change the secret to rotate (all tokens become invalid)')),
  };
}

function generateKeyPair(alg: Exclude<SigningAlgorithm, 'HS256'>): { publicKey: KeyObject; privateKey: KeyObject } {
  switch (alg) {
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'RS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
  }
}

interface LoadedKey {
  stored: StoredKey;
  jwk: PublicJwk;
  publicKey: KeyObject;
  privateKey: KeyObject;
  /** When the next generation starts signing; undefined for the newest key. */
  retiresAt: number | undefined;
}

export interface StoredKeyRingDeps {
  keys: KeyRepository;
  algorithm: Exclude<SigningAlgorithm, 'HS256'>;
  /** AUTH_SECRET: seals the private keys. */
  secret: string;
  clock: Clock;
  logger: Logger;
  accessTtlSeconds: number;
  rotationSeconds: number;
}

export function createStoredKeyRing(deps: StoredKeyRingDeps): KeyRing {
  const { keys, algorithm, clock, logger } = deps;
  const sealingKey = deriveKey(deps.secret, 'signing-key-encryption');
  const decrypted = new Map<string, LoadedKey>();
  let ring: LoadedKey[] = [];

  /** How long after its retirement a key still verifies: the life of the last token it signed. */
  const verifiesFor = (deps.accessTtlSeconds + TOKEN_EXPIRY_MARGIN_SECONDS) * 1000;
  const live = (key: { retiresAt: number | undefined }, now: number) =>
    key.retiresAt === undefined || now < key.retiresAt + verifiesFor;

  function open(stored: StoredKey, retiresAt: number | undefined): LoadedKey {
    const cached = decrypted.get(stored.kid);
    if (cached) {
      cached.retiresAt = retiresAt;
      return cached;
    }
    let der: Buffer;
    try {
      der = unseal(stored.privateKey, sealingKey, stored.kid);
    } catch (error) {
      throw new Error(
        `Cannot decrypt signing key ${stored.kid}: AUTH_SECRET is not the secret it was stored with. ` +
          'Restore the original AUTH_SECRET. A database made in development was sealed with the generated ' +
          'secret in data/auth-secret (under DATA_DIR): set AUTH_SECRET to its content, or start from a fresh database.',
        { cause: error },
      );
    }
    const jwk = JSON.parse(stored.publicJwk) as PublicJwk;
    const loaded: LoadedKey = {
      stored,
      jwk,
      publicKey: createPublicKey({ key: { ...jwk } as JsonWebKey, format: 'jwk' }),
      privateKey: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
      retiresAt,
    };
    decrypted.set(stored.kid, loaded);
    return loaded;
  }

  function current(now: number): LoadedKey | undefined {
    return ring.findLast((key) => key.stored.activatesAt.getTime() <= now) ?? ring[0];
  }

  async function create(generation: number, activatesAt: Date): Promise<void> {
    const pair = generateKeyPair(algorithm);
    const exported = pair.publicKey.export({ format: 'jwk' }) as JWK;
    const kid = await calculateJwkThumbprint(exported);
    const jwk: PublicJwk = { ...exported, kid, alg: algorithm, use: 'sig' };
    const inserted = await keys.insert({
      kid,
      generation,
      alg: algorithm,
      publicJwk: JSON.stringify(jwk),
      privateKey: seal(pair.privateKey.export({ format: 'der', type: 'pkcs8' }), sealingKey, kid),
      createdAt: new Date(clock.now()),
      activatesAt,
    });
    if (inserted) logger.info({ kid, alg: algorithm, generation, activatesAt }, 'signing key created');
  }

  /** Loads the keys that still verify (only those are decrypted) and deletes the others. */
  async function read(): Promise<StoredKey[]> {
    const stored = await keys.list();
    const now = clock.now();
    const dated = stored.map((s, i) => ({ stored: s, retiresAt: stored[i + 1]?.activatesAt.getTime() }));
    ring = dated.filter((d) => live(d, now)).map((d) => open(d.stored, d.retiresAt));
    const gone = dated.filter((d) => !live(d, now)).map((d) => d.stored.kid);
    if (gone.length > 0) {
      await keys.remove(gone);
      for (const kid of gone) decrypted.delete(kid);
    }
    return stored;
  }

  function info(key: LoadedKey, now: number): KeyInfo {
    const active = current(now) === key;
    const status: KeyStatus = active ? 'current' : key.stored.activatesAt.getTime() > now ? 'pending' : 'retired';
    return {
      kid: key.stored.kid,
      alg: key.stored.alg,
      generation: key.stored.generation,
      status,
      activatesAt: key.stored.activatesAt,
      verifiesUntil: status === 'retired' && key.retiresAt !== undefined ? new Date(key.retiresAt + verifiesFor) : undefined,
      retiredAt: status === 'retired' && key.retiresAt !== undefined ? new Date(key.retiresAt) : undefined,
    };
  }

  const nextGeneration = (stored: StoredKey[]) => (stored.at(-1)?.generation ?? 0) + 1;

  return {
    algorithm,

    signingKey() {
      const key = current(clock.now());
      if (!key) throw new Error('no signing key loaded: load() must run before tokens are issued');
      return { kid: key.stored.kid, alg: key.stored.alg as SigningAlgorithm, privateKey: key.privateKey };
    },

    verificationKey(header) {
      if (typeof header.kid !== 'string') return undefined;
      const now = clock.now();
      const key = ring.find((k) => k.stored.kid === header.kid);
      return key && key.stored.alg === header.alg && live(key, now) ? key.publicKey : undefined;
    },

    algorithms: () => [...new Set(ring.map((key) => key.stored.alg))],

    jwks() {
      const now = clock.now();
      return { keys: ring.filter((key) => live(key, now)).map((key) => key.jwk) };
    },

    describe() {
      const now = clock.now();
      return ring.map((key) => info(key, now));
    },

    async load() {
      let stored = await read();
      const now = clock.now();
      if (stored.length === 0) {
        await create(1, new Date(now));
        stored = await read();
      }
      const signing = current(now);
      const pending = ring.some((key) => key.stored.activatesAt.getTime() > now);
      if (signing && signing.stored.alg !== algorithm && !pending) {
        logger.info({ from: signing.stored.alg, to: algorithm }, 'JWT_ALG changed: rotating to a new key');
        await create(nextGeneration(stored), new Date(now));
        await read();
      } else if (
        deps.rotationSeconds > 0 &&
        signing &&
        !pending &&
        signing.stored.activatesAt.getTime() <= now - deps.rotationSeconds * 1000
      ) {
        await create(nextGeneration(stored), new Date(now + KEY_ACTIVATION_DELAY_MS));
        await read();
      }
    },

    async rotate(options = {}) {
      const stored = await read();
      const generation = nextGeneration(stored);
      const now = clock.now();
      await create(generation, new Date(options.immediate ? now : now + KEY_ACTIVATION_DELAY_MS));
      await read();
      const added = ring.find((key) => key.stored.generation === generation);
      if (!added) throw new Error('the new key was not stored');
      return info(added, clock.now());
    },
  };
}
