import { diag } from '@opentelemetry/api';
import { getEnv } from '@genai-ops/core';
import type { ModuleLoader } from './instrumentations.js';

/** The variable naming a guardrails policy file for the in-process guardrails middleware. */
export const ENV_GUARDRAILS_POLICY = 'GENAI_OPS_GUARDRAILS_POLICY';

const MIDDLEWARE_PACKAGE = '@genai-ops/guardrails-middleware';

/**
 * Installs the guardrails middleware with the policy in GENAI_OPS_GUARDRAILS_POLICY, when that is set and
 * the middleware package exports `installGuardrails(policyPath)`. Anything else is one diag warning; never
 * throws (a broken policy must not take the app down at start-up; the middleware reports its own errors).
 */
export function installGuardrailsFromEnv(load: ModuleLoader = require): boolean {
  const policyPath = getEnv(ENV_GUARDRAILS_POLICY);
  if (policyPath === undefined) return false;
  try {
    const mod = load(MIDDLEWARE_PACKAGE) as { installGuardrails?: unknown };
    if (typeof mod.installGuardrails !== 'function') {
      diag.warn(`genai-ops: ${ENV_GUARDRAILS_POLICY} is set but ${MIDDLEWARE_PACKAGE} has no installGuardrails(); ignored`);
      return false;
    }
    const result: unknown = mod.installGuardrails(policyPath);
    if (result instanceof Promise) {
      result.catch((error: unknown) => diag.warn(`genai-ops: installing guardrails from ${policyPath} failed`, error));
    }
    return true;
  } catch (error) {
    diag.warn(`genai-ops: ${ENV_GUARDRAILS_POLICY} is set but guardrails could not be installed`, error);
    return false;
  }
}
