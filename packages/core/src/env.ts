/**
 * Environment helpers. Read lazily, at the time a value is needed, never at import time.
 */

/** The raw value of an environment variable, trimmed; undefined when unset or empty. */
export function getEnv(name: string): string | undefined {
  const raw = typeof process !== 'undefined' ? process.env[name] : undefined;
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** Parses a boolean variable: true/1/yes/on and false/0/no/off, case-insensitive. */
export function getEnvBoolean(name: string): boolean | undefined {
  const v = getEnv(name)?.toLowerCase();
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1' || v === 'yes' || v === 'on') return true;
  if (v === 'false' || v === '0' || v === 'no' || v === 'off') return false;
  return undefined;
}

/** Parses a non-negative integer variable; undefined when unset or invalid. */
export function getEnvInt(name: string): number | undefined {
  const v = getEnv(name);
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number.parseInt(v, 10);
}

/** Parses a comma-separated list variable. */
export function getEnvList(name: string): string[] | undefined {
  const v = getEnv(name);
  if (v === undefined) return undefined;
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
