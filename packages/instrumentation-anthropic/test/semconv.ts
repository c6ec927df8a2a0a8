/**
 * Validation against ../shared/semconv for this package's tests: the shared validators of
 * test/helpers/semconv.ts, plus the message JSON of every captured content attribute.
 */
import { validateAttributes, validateMessages } from '../../../test/helpers/semconv.js';

const MESSAGE_KINDS = {
  'gen_ai.input.messages': 'input',
  'gen_ai.output.messages': 'output',
  'gen_ai.system_instructions': 'system',
  'gen_ai.tool.definitions': 'tools',
} as const;

/** Checks one JSON value against the schema of `attribute`; returns the errors. */
export function schemaErrors(attribute: string, value: unknown): string[] {
  const kind = MESSAGE_KINDS[attribute as keyof typeof MESSAGE_KINDS];
  if (!kind) return [`no schema for ${attribute}`];
  return validateMessages(kind, value).map((e) => `${attribute}${e}`);
}

/** Every problem of an attribute map: unknown keys, wrong types, enum values outside the registry, bad JSON. */
export function attributeErrors(attributes: Record<string, unknown>): string[] {
  const errors = validateAttributes(attributes);
  for (const key of Object.keys(MESSAGE_KINDS)) {
    if (attributes[key] !== undefined) errors.push(...schemaErrors(key, attributes[key]));
  }
  return errors;
}
