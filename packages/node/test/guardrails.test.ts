import { afterEach, describe, expect, it } from 'vitest';
import { ENV_GUARDRAILS_POLICY, installGuardrailsFromEnv } from '../src/guardrails';
import { collectDiag } from './diag-capture';

afterEach(() => {
  delete process.env[ENV_GUARDRAILS_POLICY];
});

describe('installGuardrailsFromEnv', () => {
  it('does nothing (and loads nothing) when the variable is unset', () => {
    const loaded: string[] = [];
    const out = collectDiag(() => installGuardrailsFromEnv((id) => loaded.push(id)));
    expect({ ...out, loaded }).toEqual({ result: undefined, logs: [], loaded: [] });
  });

  it('calls installGuardrails(policyPath) when the middleware exports it, and can uninstall', () => {
    process.env[ENV_GUARDRAILS_POLICY] = '/etc/policy.yaml';
    const calls: string[] = [];
    const middleware = {
      installGuardrails: (p: string) => {
        calls.push(`install ${p}`);
        return { uninstall: () => calls.push('uninstall') };
      },
    };
    const out = collectDiag(() => installGuardrailsFromEnv(() => middleware));
    expect({ logs: out.logs, calls }).toEqual({ logs: [], calls: ['install /etc/policy.yaml'] });
    out.result?.();
    expect(calls).toEqual(['install /etc/policy.yaml', 'uninstall']);
  });

  it.each<[string, () => unknown, string]>([
    [
      'no installGuardrails export',
      () => ({}),
      'warn: genai-ops: GENAI_OPS_GUARDRAILS_POLICY is set but @genai-ops/guardrails-middleware has no installGuardrails(); ignored',
    ],
    [
      'middleware not installed',
      () => {
        throw new Error("Cannot find module '@genai-ops/guardrails-middleware'");
      },
      "warn: genai-ops: GENAI_OPS_GUARDRAILS_POLICY is set but guardrails could not be installed Cannot find module '@genai-ops/guardrails-middleware'",
    ],
    [
      'installGuardrails throws',
      () => ({
        installGuardrails: () => {
          throw new Error('bad policy');
        },
      }),
      'warn: genai-ops: GENAI_OPS_GUARDRAILS_POLICY is set but guardrails could not be installed bad policy',
    ],
  ])('%s: one warning, never throws', (_name, load, log) => {
    process.env[ENV_GUARDRAILS_POLICY] = 'policy.yaml';
    expect(collectDiag(() => installGuardrailsFromEnv(load))).toEqual({ result: undefined, logs: [log] });
  });
});
