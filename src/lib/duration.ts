const unitSeconds: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Parses a duration such as `900`, `900s`, `15m`, `12h` or `30d` into whole seconds.
 * Returns undefined for anything else, so that config validation can explain the problem.
 */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+)\s*([smhd]?)\s*$/i.exec(text);
  if (!match) return undefined;
  const [, amount = '', unit = 's'] = match;
  const seconds = Number(amount) * (unitSeconds[(unit || 's').toLowerCase()] ?? 1);
  return Number.isSafeInteger(seconds) ? seconds : undefined;
}

/** "1 second", "5 seconds": a wait, for a person. */
export function secondsText(seconds: number): string {
  return `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
}
