import { getEnv } from '@genai-ops/core';
import { diag } from '@opentelemetry/api';
import type { ModuleLoader } from './instrumentations.js';

/** The variable naming a guardrails policy file for the in-process guardrails middleware. */
export const ENV_GUARDRAILS_POLICY = 'GENAI_OPS_GUARDRAILS_POLICY';

const MIDDLEWARE_PACKAGE = '@genai-ops/guardrails-middleware';

/**
 * Installs the guardrails middleware with the policy in GENAI_OPS_GUARDRAILS_POLICY, when that is set and
 * the middleware package exports `installGuardrails(policyPath)`. Anything else is one diag warning; never
 * throws (a broken policy must not take the app down at start-up; the middleware reports its own errors).
 * Returns the function that removes them again, or undefined when nothing was installed.
 */
export function installGuardrailsFromEnv(load: ModuleLoader = require): (() => void) | undefined {
  const policyPath = getEnv(ENV_GUARDRAILS_POLICY);
  if (policyPath === undefined) return undefined;
  try {
    const mod = load(MIDDLEWARE_PACKAGE) as { installGuardrails?: unknown };
    if (typeof mod.installGuardrails !== 'function') {
      diag.warn(
        `genai-ops: ${ENV_GUARDRAILS_POLICY} is set but ${MIDDLEWARE_PACKAGE} has no installGuardrails(); ignored`,
      );
      return undefined;
    }
    const installed = mod.installGuardrails(policyPath) as { uninstall?: unknown } | undefined;
    return () => {
      try {
        if (typeof installed?.uninstall === 'function') installed.uninstall();
      } catch (error) {
        diag.warn('genai-ops: removing guardrails failed', error);
      }
    };
  } catch (error) {
    diag.warn(`genai-ops: ${ENV_GUARDRAILS_POLICY} is set but guardrails could not be installed`, error);
    return undefined;
  }
}
