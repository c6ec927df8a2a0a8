/** Test helpers for the processor tests: span factory and the conventions' JSON-schema validators. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { Attributes, SpanRecord } from '../../src/model.js';

export const SEMCONV_DIR = resolve(__dirname, '../../../../shared/semconv/gen-ai');

export function makeSpan(over: Partial<SpanRecord> & { attributes?: Attributes } = {}): SpanRecord {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: '',
    name: 'span',
    kind: 3,
    startTimeUnixNano: '1767225600000000000', // 2026-01-01T00:00:00Z
    endTimeUnixNano: '1767225601000000000',
    statusCode: 0,
    statusMessage: '',
    attributes: {},
    events: [],
    links: [],
    resource: {},
    scopeName: 'test',
    scopeVersion: '0.0.0',
    enrichment: {},
    ...over,
  };
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
// The tool-definitions schema refers to the draft-07 meta-schema for `parameters`; message blobs use
// the OpenAPI-style "binary" format (base64 text).
ajv.addMetaSchema(
  JSON.parse(readFileSync(require.resolve('ajv/dist/refs/json-schema-draft-07.json'), 'utf8')),
);
ajv.addFormat('binary', true);
const SCHEMAS = {
  'gen_ai.input.messages': 'gen-ai-input-messages.json',
  'gen_ai.output.messages': 'gen-ai-output-messages.json',
  'gen_ai.system_instructions': 'gen-ai-system-instructions.json',
  'gen_ai.tool.definitions': 'gen-ai-tool-definitions.json',
} as const;
const validators = Object.fromEntries(
  Object.entries(SCHEMAS).map(([key, file]) => [
    key,
    ajv.compile(JSON.parse(readFileSync(resolve(SEMCONV_DIR, file), 'utf8'))),
  ]),
);

/**
 * Validates every message attribute present on `attrs` against the conventions' JSON schemas; returns
 * the errors (empty when valid). Each present attribute must be a JSON string.
 */
export function schemaErrors(attrs: Attributes): string[] {
  const errors: string[] = [];
  for (const [key, validate] of Object.entries(validators)) {
    const v = attrs[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') {
      errors.push(`${key}: not a JSON string`);
      continue;
    }
    if (!validate(JSON.parse(v))) errors.push(`${key}: ${ajv.errorsText(validate.errors)}`);
  }
  return errors;
}
