import { getEnvList } from '@genai-ops/core';
import { diag } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';

/** The variable that picks which genai-ops instrumentations the register entry enables. */
export const ENV_INSTRUMENTATIONS = 'GENAI_OPS_INSTRUMENTATIONS';

/** One genai-ops instrumentation package the register entry knows about. */
export interface KnownInstrumentation {
  /** Short name used in GENAI_OPS_INSTRUMENTATIONS. */
  name: string;
  packageName: string;
  exportName: string;
}

/** Every genai-ops instrumentation, in the order they are enabled. */
export const KNOWN_INSTRUMENTATIONS: readonly KnownInstrumentation[] = [
  { name: 'openai', packageName: '@genai-ops/instrumentation-openai', exportName: 'OpenAIInstrumentation' },
  {
    name: 'anthropic',
    packageName: '@genai-ops/instrumentation-anthropic',
    exportName: 'AnthropicInstrumentation',
  },
  {
    name: 'google-genai',
    packageName: '@genai-ops/instrumentation-google-genai',
    exportName: 'GoogleGenAIInstrumentation',
  },
  {
    name: 'bedrock',
    packageName: '@genai-ops/instrumentation-bedrock',
    exportName: 'BedrockRuntimeInstrumentation',
  },
];

/**
 * The known instrumentations selected by a list of names (short names like `openai` or package names), or
 * all of them when the list is undefined. Unknown names are reported once each through diag.
 */
export function selectInstrumentations(names: string[] | undefined): KnownInstrumentation[] {
  if (names === undefined) return [...KNOWN_INSTRUMENTATIONS];
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  if (wanted.has('all')) return [...KNOWN_INSTRUMENTATIONS];
  const picked = KNOWN_INSTRUMENTATIONS.filter((k) => wanted.has(k.name) || wanted.has(k.packageName));
  for (const n of wanted) {
    if (n !== 'none' && !KNOWN_INSTRUMENTATIONS.some((k) => k.name === n || k.packageName === n)) {
      diag.warn(`${ENV_INSTRUMENTATIONS}: unknown instrumentation "${n}" ignored`);
    }
  }
  return picked;
}

/** The module loader; `require` in production, replaceable in tests. */
export type ModuleLoader = (id: string) => unknown;

function isModuleNotFound(error: unknown, id: string): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return e?.code === 'MODULE_NOT_FOUND' && typeof e.message === 'string' && e.message.includes(`'${id}'`);
}

/**
 * Loads and constructs the selected instrumentations. A package that is not installed is skipped quietly
 * (debug); one that is installed but fails to load or construct is one diag warning. Never throws.
 */
export function loadInstrumentations(
  selected: readonly KnownInstrumentation[],
  load: ModuleLoader = require,
): Instrumentation[] {
  const out: Instrumentation[] = [];
  for (const known of selected) {
    try {
      const mod = load(known.packageName) as Record<string, unknown>;
      const Ctor = mod[known.exportName];
      if (typeof Ctor !== 'function') {
        diag.warn(`genai-ops: ${known.packageName} does not export ${known.exportName}; skipped`);
        continue;
      }
      out.push(new (Ctor as new () => Instrumentation)());
    } catch (error) {
      if (isModuleNotFound(error, known.packageName)) {
        diag.debug(`genai-ops: ${known.packageName} is not installed; skipped`);
      } else {
        diag.warn(`genai-ops: could not load ${known.packageName}; skipped`, error);
      }
    }
  }
  return out;
}

/** Loads the instrumentations picked by GENAI_OPS_INSTRUMENTATIONS (default: all that are installed). */
export function loadInstrumentationsFromEnv(load?: ModuleLoader): Instrumentation[] {
  return loadInstrumentations(selectInstrumentations(getEnvList(ENV_INSTRUMENTATIONS)), load);
}
