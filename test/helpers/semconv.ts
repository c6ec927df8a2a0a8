/**
 * Test helper: validation against the pinned semantic conventions in ../shared/semconv. Loads the
 * registries (Weaver definition/2 `attributes:` and legacy `groups:` formats) and the message JSON schemas.
 *
 *   expect(validateAttributes(span.attributes)).toEqual([]);
 *   expect(validateMessages('input', span.attributes['gen_ai.input.messages'])).toEqual([]);
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import draft07MetaSchema from 'ajv/dist/refs/json-schema-draft-07.json';
import YAML from 'yaml';

/** Where shared/ is: beside the repo (`../shared`), as CI lays it out. */
export const SEMCONV_DIR = [
  resolve(__dirname, '../../../shared/semconv'),
  resolve(__dirname, '../../shared/semconv'),
].find((p) => existsSync(p)) as string;

export interface RegistryAttribute {
  key: string;
  /** string, int, double, boolean, string[], int[], double[], boolean[], any, template[...], or 'enum'. */
  type: string;
  /** Enum member values, when an enum. */
  members?: string[];
}

function loadRegistryFile(path: string, into: Map<string, RegistryAttribute>): void {
  const doc = YAML.parse(readFileSync(path, 'utf8')) as any;
  const list: any[] = [...(doc.attributes ?? [])];
  for (const g of doc.groups ?? [])
    for (const a of g.attributes ?? []) list.push({ ...a, key: a.key ?? a.id });
  for (const a of list) {
    if (!a.key) continue;
    const t = a.type;
    if (typeof t === 'string') into.set(a.key, { key: a.key, type: t });
    else if (t && Array.isArray(t.members)) {
      into.set(a.key, { key: a.key, type: 'enum', members: t.members.map((m: any) => String(m.value)) });
    }
  }
}

let registry: Map<string, RegistryAttribute> | undefined;

/** The current registry: gen-ai, openai, aws-bedrock and the core registries GenAI spans reference. */
export function semconvRegistry(): Map<string, RegistryAttribute> {
  if (registry) return registry;
  registry = new Map();
  for (const f of [
    'gen-ai/registry.yaml',
    'openai/registry.yaml',
    'aws-bedrock/registry.yaml',
    'core/server/registry.yaml',
    'core/error/registry.yaml',
    'core/exceptions/registry.yaml',
    'core/azure/registry.yaml',
  ]) {
    const p = resolve(SEMCONV_DIR, f);
    if (existsSync(p)) loadRegistryFile(p, registry);
  }
  return registry;
}

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'int':
      return typeof v === 'number' && Number.isInteger(v);
    case 'double':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'string[]':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'int[]':
      return Array.isArray(v) && v.every((x) => Number.isInteger(x));
    case 'double[]':
      return Array.isArray(v) && v.every((x) => typeof x === 'number');
    case 'any':
      return true;
    default:
      return true;
  }
}

/** Enum attributes whose registry allows custom values (the conventions say so for these). */
const OPEN_ENUMS = new Set([
  'gen_ai.operation.name',
  'gen_ai.provider.name',
  'gen_ai.output.type',
  'error.type',
]);

/**
 * Checks every `gen_ai.*`, `openai.*`, `aws.bedrock.*`, `server.*`, `error.*` attribute against the registry:
 * known key, right type, enum value known (for closed enums). Returns a list of problems (empty = valid).
 * Keys under `genai_ops.` are ours and skipped; `gen_ai.prompt.variable.<name>` is a template key.
 */
export function validateAttributes(
  attributes: Record<string, unknown>,
  options: { allowExtra?: string[] } = {},
): string[] {
  const reg = semconvRegistry();
  const problems: string[] = [];
  for (const [key, value] of Object.entries(attributes)) {
    if (!/^(gen_ai|openai|aws\.bedrock|server|error|exception|azure)\./.test(key)) continue;
    if (options.allowExtra?.includes(key)) continue;
    if (key.startsWith('gen_ai.prompt.variable.')) continue;
    const def = reg.get(key);
    if (!def) {
      problems.push(`${key}: not in the pinned registry`);
      continue;
    }
    if (def.type === 'enum') {
      if (typeof value !== 'string')
        problems.push(`${key}: enum value must be a string, got ${typeof value}`);
      else if (!OPEN_ENUMS.has(key) && !def.members!.includes(value))
        problems.push(`${key}: '${value}' not in enum`);
    } else if (!typeMatches(def.type, value)) {
      problems.push(`${key}: expected ${def.type}, got ${JSON.stringify(value)}`);
    }
  }
  return problems;
}

const SCHEMA_FILES = {
  input: 'gen-ai-input-messages.json',
  output: 'gen-ai-output-messages.json',
  system: 'gen-ai-system-instructions.json',
  tools: 'gen-ai-tool-definitions.json',
} as const;

const ajv = new Ajv2020({ strict: false, allErrors: true });
// The tool-definitions schema refers to the draft-07 meta-schema, which Ajv2020 does not preload.
ajv.addMetaSchema(draft07MetaSchema);
const validators = new Map<string, ReturnType<typeof ajv.compile>>();

/**
 * Validates a message attribute (a JSON string as spans carry it, or the parsed value) against the
 * pinned JSON schema. Returns a list of problems (empty = valid).
 */
export function validateMessages(kind: keyof typeof SCHEMA_FILES, value: unknown): string[] {
  let data = value;
  if (typeof value === 'string') {
    try {
      data = JSON.parse(value);
    } catch (e) {
      return [`not JSON: ${String(e)}`];
    }
  }
  let validate = validators.get(kind);
  if (!validate) {
    const schema = JSON.parse(readFileSync(resolve(SEMCONV_DIR, 'gen-ai', SCHEMA_FILES[kind]), 'utf8'));
    delete schema.$schema;
    validate = ajv.compile(schema);
    validators.set(kind, validate);
  }
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}
