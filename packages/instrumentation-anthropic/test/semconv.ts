/**
 * Test helper: validates emitted attributes against ../shared/semconv (the GenAI registry's types and
 * enum members) and message JSON against the conventions' JSON schemas, with ajv.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';

const SEMCONV = resolve(__dirname, '../../../../shared/semconv/gen-ai');

type AttrType = string | { members: Array<{ value: string }> };

const registry = new Map<string, AttrType>();
for (const a of (
  parse(readFileSync(resolve(SEMCONV, 'registry.yaml'), 'utf8')) as {
    attributes: Array<{ key: string; type: AttrType }>;
  }
).attributes) {
  registry.set(a.key, a.type);
}

/** Attributes from the core registry and our own that the Anthropic spans may carry. */
const EXTRA: Record<string, AttrType> = {
  'server.address': 'string',
  'server.port': 'int',
  'error.type': 'string',
  'anthropic.request.thinking.budget_tokens': 'int',
  'genai_ops.content.truncated': 'boolean',
};

/** Enum attributes whose values we emit must be registry members (custom values are allowed by the spec, not by us). */
const CLOSED_ENUMS = new Set(['gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.output.type']);

const ajv = new Ajv({ strict: false, allErrors: true });
// Blob content is base64 text; ajv has no 'binary' format built in.
ajv.addFormat('binary', true);
const SCHEMAS: Record<string, string> = {
  'gen_ai.input.messages': 'gen-ai-input-messages.json',
  'gen_ai.output.messages': 'gen-ai-output-messages.json',
  'gen_ai.system_instructions': 'gen-ai-system-instructions.json',
  'gen_ai.tool.definitions': 'gen-ai-tool-definitions.json',
};
const validators = new Map(
  Object.entries(SCHEMAS).map(([key, file]) => [
    key,
    ajv.compile(JSON.parse(readFileSync(resolve(SEMCONV, file), 'utf8'))),
  ]),
);

/** Checks one JSON value against the schema of `attribute`; returns the errors. */
export function schemaErrors(attribute: string, value: unknown): string[] {
  const validate = validators.get(attribute);
  if (!validate) return [`no schema for ${attribute}`];
  return validate(value)
    ? []
    : (validate.errors ?? []).map((e) => `${attribute}${e.instancePath} ${e.message}`);
}

/** Every problem of an attribute map: unknown keys, wrong types, enum values outside the registry, bad JSON. */
export function attributeErrors(attributes: Record<string, unknown>): string[] {
  const errors: string[] = [];
  for (const [key, value] of Object.entries(attributes)) {
    const type = registry.get(key) ?? EXTRA[key];
    if (type === undefined) {
      errors.push(`${key}: not in the registry`);
      continue;
    }
    const fail = (why: string) => errors.push(`${key}: ${why} (${JSON.stringify(value)})`);
    if (typeof type === 'object') {
      if (typeof value !== 'string') fail('enum must be a string');
      else if (CLOSED_ENUMS.has(key) && !type.members.some((m) => m.value === value))
        fail('not a registry member');
      continue;
    }
    switch (type) {
      case 'string':
        if (typeof value !== 'string') fail('not a string');
        break;
      case 'int':
        if (!Number.isInteger(value)) fail('not an int');
        break;
      case 'double':
        if (typeof value !== 'number') fail('not a number');
        break;
      case 'boolean':
        if (typeof value !== 'boolean') fail('not a boolean');
        break;
      case 'string[]':
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) fail('not a string[]');
        break;
      case 'any': {
        // JSON string on spans (GUIDE.md §4).
        if (typeof value !== 'string') {
          fail('not a JSON string');
          break;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(value);
        } catch {
          fail('invalid JSON');
          break;
        }
        if (SCHEMAS[key]) errors.push(...schemaErrors(key, parsed));
        break;
      }
      default:
        fail(`unhandled registry type ${type}`);
    }
  }
  return errors;
}
