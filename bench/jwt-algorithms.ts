/*
 * Measures the cost of signing and verifying an access token with each algorithm Tokengate
 * supports, on this machine: `npx tsx bench/jwt-algorithms.ts`. Verification uses node:crypto
 * on the main thread (as Tokengate does); signing both with jose (WebCrypto) and with node:crypto
 * (as Tokengate does since WebCrypto proved slower: it hops through the thread pool).
 */
import { createHmac, createSecretKey, generateKeyPairSync, randomBytes, sign as cryptoSign, verify, type KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SignJWT } from 'jose';

interface Candidate {
  alg: 'EdDSA' | 'ES256' | 'RS256' | 'HS256';
  signKey: KeyObject;
  rawSign: (input: Buffer) => Buffer;
  verify: (input: Buffer, signature: Buffer) => boolean;
}

function candidates(): Candidate[] {
  const ed = generateKeyPairSync('ed25519');
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const secret = createSecretKey(randomBytes(32));
  return [
    {
      alg: 'EdDSA',
      signKey: ed.privateKey,
      rawSign: (i) => cryptoSign(null, i, ed.privateKey),
      verify: (i, s) => verify(null, i, ed.publicKey, s),
    },
    {
      alg: 'ES256',
      signKey: ec.privateKey,
      rawSign: (i) => cryptoSign('sha256', i, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }),
      verify: (i, s) => verify('sha256', i, { key: ec.publicKey, dsaEncoding: 'ieee-p1363' }, s),
    },
    {
      alg: 'RS256',
      signKey: rsa.privateKey,
      rawSign: (i) => cryptoSign('sha256', i, rsa.privateKey),
      verify: (i, s) => verify('sha256', i, rsa.publicKey, s),
    },
    {
      alg: 'HS256',
      signKey: secret,
      rawSign: (i) => createHmac('sha256', secret).update(i).digest(),
      verify: (i, s) => createHmac('sha256', secret).update(i).digest().equals(s),
    },
  ];
}

async function sign(c: Candidate): Promise<string> {
  return new SignJWT({ id: 42, roles: ['user', 'moderator'], sid: 'abcdefghijklmnopqrstuv' })
    .setProtectedHeader({ alg: c.alg, typ: 'at+jwt', kid: 'k1' })
    .setIssuer('tokengate')
    .setAudience('tokengate')
    .setSubject('42')
    .setIssuedAt()
    .setExpirationTime('15m')
    .setJti(randomBytes(16).toString('base64url'))
    .sign(c.signKey);
}

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const c of candidates()) {
    for (let i = 0; i < 200; i++) await sign(c);
    const signRuns = 2000;
    let start = performance.now();
    let token = '';
    for (let i = 0; i < signRuns; i++) token = await sign(c);
    const signUs = ((performance.now() - start) * 1000) / signRuns;

    const [h, p, s] = token.split('.') as [string, string, string];
    const input = Buffer.from(`${h}.${p}`);
    const signature = Buffer.from(s, 'base64url');
    const rawRuns = 2000;
    start = performance.now();
    for (let i = 0; i < rawRuns; i++) c.rawSign(input);
    const rawSignUs = ((performance.now() - start) * 1000) / rawRuns;
    for (let i = 0; i < 1000; i++) c.verify(input, signature);
    const verifyRuns = 20000;
    start = performance.now();
    for (let i = 0; i < verifyRuns; i++) if (!c.verify(input, signature)) throw new Error('verify failed');
    const verifyUs = ((performance.now() - start) * 1000) / verifyRuns;
    const us = (n: number) => `${n.toFixed(1).padStart(7)} µs`;
    rows.push(`| ${c.alg.padEnd(5)} | ${us(signUs)} | ${us(rawSignUs)} | ${us(verifyUs)} | ${token.length} |`);
  }
  process.stdout.write(
    `| alg   | sign a token (jose) | sign (node:crypto) | verify (node:crypto) | token bytes |\n|---|---|---|---|---|\n${rows.join('\n')}\n`,
  );
}

await main();
