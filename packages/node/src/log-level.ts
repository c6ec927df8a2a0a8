import { DiagLogLevel } from '@opentelemetry/api';

const LEVELS: Record<string, DiagLogLevel> = {
  NONE: DiagLogLevel.NONE,
  ERROR: DiagLogLevel.ERROR,
  WARN: DiagLogLevel.WARN,
  INFO: DiagLogLevel.INFO,
  DEBUG: DiagLogLevel.DEBUG,
  VERBOSE: DiagLogLevel.VERBOSE,
  ALL: DiagLogLevel.ALL,
};

/**
 * The diag level named by OTEL_LOG_LEVEL (case-insensitive), WARN when unset or unknown: the register entry
 * speaks up only when telemetry is being lost.
 * https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#general-sdk-configuration
 */
export function diagLevelFromString(value: string | undefined): DiagLogLevel {
  if (value === undefined) return DiagLogLevel.WARN;
  return LEVELS[value.trim().toUpperCase()] ?? DiagLogLevel.WARN;
}

/** Whether `value` names one of the OTEL_LOG_LEVEL levels (case-insensitive). */
export function isDiagLevelName(value: string): boolean {
  return Object.hasOwn(LEVELS, value.trim().toUpperCase());
}

/** The OTEL_LOG_LEVEL level names, for diagnostics. */
export const DIAG_LEVEL_NAMES: readonly string[] = Object.keys(LEVELS);
