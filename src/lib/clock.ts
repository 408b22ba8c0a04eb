/** Time source, injected so that tests can move time instead of waiting for it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function epochSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

/**
 * How far apart the clocks of instances (and the services verifying their tokens) may be: the
 * one leeway every time margin derives from. Verifiers accept an `iat` this far in the future.
 */
export const CLOCK_LEEWAY_SECONDS = 5;

/**
 * How long past its `exp` a token may still count somewhere: an issuer's clock ahead by the
 * leeway, a verifier's behind by it. Revocations and retired keys outlive tokens by this much.
 */
export const TOKEN_EXPIRY_MARGIN_SECONDS = 2 * CLOCK_LEEWAY_SECONDS;
