/** JSON Schema (draft-07) of a policy file; `loadPolicy` validates against it and reports every error. */
const ACTION = { enum: ['allow', 'flag', 'redact', 'block'] };
const NO_REDACT_ACTION = { enum: ['allow', 'flag', 'block'] };
const PII_TYPE = {
  enum: [
    'EMAIL',
    'PHONE',
    'CREDIT_CARD',
    'IBAN',
    'PT_NIF',
    'PT_NISS',
    'PT_CC',
    'ES_DNI',
    'ES_NIE',
    'US_SSN',
    'IP_ADDRESS',
    'API_KEY',
  ],
};

const direction = {
  type: 'object',
  additionalProperties: false,
  properties: {
    pii: {
      type: 'object',
      additionalProperties: false,
      required: ['action'],
      properties: {
        action: ACTION,
        types: { type: 'array', items: PII_TYPE, uniqueItems: true },
        typeActions: { type: 'object', propertyNames: PII_TYPE, additionalProperties: ACTION },
        minScore: { type: 'number', minimum: 0, maximum: 1 },
      },
    },
    secrets: {
      type: 'object',
      additionalProperties: false,
      required: ['action'],
      properties: { action: ACTION, minScore: { type: 'number', minimum: 0, maximum: 1 } },
    },
    injection: {
      type: 'object',
      additionalProperties: false,
      required: ['action'],
      properties: {
        action: NO_REDACT_ACTION,
        threshold: { type: 'number', minimum: 0, maximum: 1 },
        greyBand: {
          type: 'array',
          items: { type: 'number', minimum: 0, maximum: 1 },
          minItems: 2,
          maxItems: 2,
        },
      },
    },
    policy: {
      type: 'object',
      additionalProperties: false,
      required: ['action'],
      properties: {
        action: ACTION,
        categories: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
        categoryActions: { type: 'object', additionalProperties: ACTION },
      },
    },
    canary: {
      type: 'object',
      additionalProperties: false,
      required: ['action'],
      properties: { action: ACTION },
    },
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['action', 'schema'],
      properties: { action: NO_REDACT_ACTION, schema: { type: ['object', 'boolean'] } },
    },
  },
};

export const POLICY_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1 },
    version: { type: ['string', 'number'] },
    description: { type: 'string' },
    failMode: { enum: ['open', 'closed'] },
    input: direction,
    output: direction,
    contentPolicy: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          deny: { type: 'array', items: { type: 'string', minLength: 1 } },
          patterns: {
            type: 'array',
            items: {
              anyOf: [
                { type: 'string', minLength: 1 },
                {
                  type: 'object',
                  additionalProperties: false,
                  required: ['pattern'],
                  properties: {
                    id: { type: 'string', minLength: 1 },
                    pattern: { type: 'string', minLength: 1 },
                    caseInsensitive: { type: 'boolean' },
                  },
                },
              ],
            },
          },
        },
      },
    },
    canaries: { type: 'array', items: { type: 'string', minLength: 8 } },
    redaction: {
      type: 'object',
      additionalProperties: false,
      properties: {
        mode: { enum: ['type', 'hash'] },
        hashKeyEnv: { type: 'string', minLength: 1 },
        hashLength: { type: 'integer', minimum: 4, maximum: 64 },
      },
    },
    maxChars: { type: 'integer', minimum: 2048 },
  },
} as const;
