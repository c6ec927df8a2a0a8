import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ContentPolicy, type ContentPolicyConfig, type UnsafePatternError } from './content-policy';
import { GuardrailViolationError } from './errors';
import type { InjectionClassifier } from './injection';
import { POLICY_SCHEMA } from './policy-schema';
import { type RedactableFinding, type RedactOptions, redact } from './redact';
import { scanUntimed as scan } from './scan';
import type { PiiType, TextSource } from './types';

/** What to do with a finding. Severity order: allow < flag < redact < block. */
export type Action = 'allow' | 'flag' | 'redact' | 'block';
/** Which side of the LLM call is evaluated. */
export type Direction = 'input' | 'output';

/** Detectors configured for one direction. A detector absent from the section does not run. */
export interface DirectionConfig {
  /** Personal data (all PII types except API_KEY). */
  pii?: {
    action: Action;
    /** Types to detect. Default: all except API_KEY. */
    types?: PiiType[];
    /** Per-type action overriding `action`. */
    typeActions?: Partial<Record<PiiType, Action>>;
    /** Ignore findings below this confidence. Default 0. */
    minScore?: number;
  };
  /** Credentials (API_KEY). */
  secrets?: { action: Action; minScore?: number };
  /** Prompt injection / jailbreak. Not redactable (a score, not a span). */
  injection?: { action: Exclude<Action, 'redact'>; threshold?: number; greyBand?: [number, number] };
  /** Content policy categories (see `contentPolicy`). */
  policy?: { action: Action; categories?: string[]; categoryActions?: Record<string, Action> };
  /** Canary tokens leaking (usually output). */
  canary?: { action: Action };
  /** JSON Schema the text (structured output) must satisfy. */
  schema?: { action: Exclude<Action, 'redact'>; schema: object | boolean };
}

/** A policy file (YAML or JSON). */
export interface PolicyConfig {
  name: string;
  version?: string | number;
  description?: string;
  /** What happens when a detector throws: `open` ignores it (recorded in `errors`), `closed` blocks. Default `open`. */
  failMode?: 'open' | 'closed';
  input?: DirectionConfig;
  output?: DirectionConfig;
  contentPolicy?: ContentPolicyConfig;
  canaries?: string[];
  /** Placeholder style for `redact` actions. Default `{ mode: 'type' }`. */
  redaction?: { mode?: 'type' | 'hash'; hashKeyEnv?: string; hashLength?: number };
  /** Chunk size for long texts. Default 65536. */
  maxChars?: number;
}

/** Context of one evaluation. */
export interface EvaluateContext {
  direction: Direction;
  /** Where the text came from. Default `'user'` for input, `'model'` for output. */
  source?: TextSource;
  /** Extra canaries for this call (added to the policy's). */
  canaries?: readonly string[];
  /** Grey-zone injection classifier for this call. */
  classifier?: InjectionClassifier;
  /** HMAC key for hash redaction (overrides `redaction.hashKeyEnv`). */
  hashKey?: string | Buffer;
  /**
   * Run only these detectors of the direction's section (e.g. skip `schema` on a partial stream).
   * Default: every detector the section configures.
   */
  detectors?: ReadonlyArray<'pii' | 'secrets' | 'injection' | 'policy' | 'canary' | 'schema'>;
}

/** One finding in a verdict: what, where and what was done. Never the matched value. */
export interface VerdictFinding {
  detector: 'pii' | 'secrets' | 'injection' | 'policy' | 'canary' | 'schema' | 'error';
  /** PII type, `INJECTION`, `POLICY`, `CANARY`, `SCHEMA` or `DETECTOR_ERROR`. */
  type: string;
  action: Action;
  start?: number;
  end?: number;
  score?: number;
  /** Rule ids (injection rules, content-policy rule, schema keyword). */
  rules?: string[];
  /** Content-policy category. */
  category?: string;
  /** Schema error location (JSON pointer into the output) or detector error class. */
  path?: string;
}

/** The outcome of `Policy.evaluate`. Safe to log: contains offsets, ids and counts, never matched values. */
export interface Verdict {
  /** Most severe action over all findings (`allow` when none). */
  action: Action;
  direction: Direction;
  source: TextSource;
  findings: VerdictFinding[];
  /** Number of findings per kind: PII type, `INJECTION`, `POLICY:<category>`, `CANARY`, `SCHEMA`. */
  counts: Record<string, number>;
  /** The text with `redact` findings replaced, present when `action` is `redact`. */
  redactedText?: string;
  policy: string;
  policyVersion?: string | number;
  /** `sha256:<first 12 hex>` of the canonical JSON of the policy. */
  policyHash: string;
  elapsedMs: number;
  /** Detector failures (with `failMode: 'open'` they do not change the action). */
  errors?: Array<{ detector: string; error: string }>;
}

/** One validation error of a policy file. */
export interface PolicyError {
  /** JSON pointer of the offending value, e.g. `/input/pii/action`. */
  path: string;
  message: string;
}

/** Thrown by `loadPolicy` with every problem found. */
export class PolicyValidationError extends Error {
  override readonly name = 'PolicyValidationError';
  constructor(readonly errors: PolicyError[]) {
    super(`invalid guardrail policy:\n${errors.map((e) => `  ${e.path || '/'}: ${e.message}`).join('\n')}`);
  }
}

const SEVERITY: Record<Action, number> = { allow: 0, flag: 1, redact: 2, block: 3 };

/** The more severe of two actions. */
export function maxAction(a: Action, b: Action): Action {
  return SEVERITY[a] >= SEVERITY[b] ? a : b;
}

let policyValidator: ValidateFunction | undefined;
function newAjv(): Ajv {
  return new Ajv({ allErrors: true, strict: false });
}
function getPolicyValidator(): ValidateFunction {
  policyValidator ??= newAjv().compile(POLICY_SCHEMA);
  return policyValidator;
}

function ajvErrors(errors: ErrorObject[] | null | undefined, prefix = ''): PolicyError[] {
  return (errors ?? []).map((e) => {
    let path = prefix + e.instancePath;
    if (e.keyword === 'additionalProperties') path += `/${String(e.params.additionalProperty)}`;
    if (e.keyword === 'required') path += `/${String(e.params.missingProperty)}`;
    const allowed = e.keyword === 'enum' ? `: ${(e.params.allowedValues as unknown[]).join(', ')}` : '';
    return { path, message: `${e.message ?? e.keyword}${allowed}` };
  });
}

/** JSON with object keys sorted recursively: the input of the policy hash. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(v as object)
    .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

const FENCE_RE = /^\s{0,8}```[a-zA-Z]{0,16}\s{0,4}\n([\s\S]*?)\n\s{0,8}```\s{0,8}$/;

/**
 * A loaded, validated policy. Compiled once (content-policy patterns, output JSON schema); `evaluate` is
 * synchronous and safe to call concurrently.
 */
export class Policy {
  readonly name: string;
  readonly version?: string | number;
  /** `sha256:<first 12 hex>` of the canonical JSON of the policy. */
  readonly hash: string;
  readonly config: Readonly<PolicyConfig>;
  private readonly _content?: ContentPolicy;
  private readonly _schemas: Partial<Record<Direction, ValidateFunction>> = {};
  private readonly _redaction: RedactOptions;

  /** Use `loadPolicy`; this constructor expects an already validated config. */
  constructor(config: PolicyConfig) {
    const errors: PolicyError[] = [];
    this.config = config;
    this.name = config.name;
    if (config.version !== undefined) this.version = config.version;
    this.hash = `sha256:${createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 12)}`;
    if (config.contentPolicy) {
      const bad: UnsafePatternError[] = [];
      this._content = new ContentPolicy(config.contentPolicy, '/contentPolicy', bad);
      for (const e of bad)
        errors.push({ path: e.path, message: `pattern ${JSON.stringify(e.pattern)} rejected: ${e.reason}` });
    }
    for (const dir of ['input', 'output'] as const) {
      const pol = config[dir]?.policy;
      if (pol?.categories && config.contentPolicy) {
        pol.categories.forEach((c, i) => {
          if (!(c in config.contentPolicy!))
            errors.push({
              path: `/${dir}/policy/categories/${i}`,
              message: `unknown content policy category "${c}"`,
            });
        });
      }
      if (pol && !config.contentPolicy)
        errors.push({
          path: `/${dir}/policy`,
          message: 'policy detector configured but no contentPolicy defined',
        });
      const sch = config[dir]?.schema;
      if (sch) {
        try {
          this._schemas[dir] = newAjv().compile(sch.schema);
        } catch (err) {
          errors.push({
            path: `/${dir}/schema/schema`,
            message: err instanceof Error ? err.message : String(err),
          });
        }
      }
    }
    const red = config.redaction ?? {};
    this._redaction = { mode: red.mode ?? 'type' };
    if (red.hashLength !== undefined) this._redaction.hashLength = red.hashLength;
    if (red.mode === 'hash' && red.hashKeyEnv !== undefined) {
      const key = process.env[red.hashKeyEnv];
      if (key === undefined || key.length === 0)
        errors.push({
          path: '/redaction/hashKeyEnv',
          message: `environment variable ${red.hashKeyEnv} is not set`,
        });
      else this._redaction.key = key;
    }
    if (errors.length > 0) throw new PolicyValidationError(errors);
  }

  /**
   * Evaluate `text` in a direction. Runs the detectors the policy configures for that direction, maps each
   * finding to its action and returns the most severe action, every finding (offsets, ids, scores; never
   * values), counts per kind and, for `redact`, the redacted text.
   *
   * @example
   * const v = policy.evaluate(userPrompt, { direction: 'input', source: 'user' });
   * if (v.action === 'block') throw new GuardrailViolationError(v);
   * const prompt = v.action === 'redact' ? v.redactedText! : userPrompt;
   */
  evaluate(text: string, ctx: EvaluateContext): Verdict {
    const t0 = performance.now();
    const dir = ctx.direction;
    const full = this.config[dir] ?? {};
    let cfg: DirectionConfig = full;
    if (ctx.detectors) {
      cfg = {};
      for (const d of ctx.detectors) if (full[d]) (cfg as Record<string, unknown>)[d] = full[d];
    }
    const source: TextSource = ctx.source ?? (dir === 'input' ? 'user' : 'model');
    const failClosed = this.config.failMode === 'closed';
    const findings: VerdictFinding[] = [];
    const errors: Array<{ detector: string; error: string }> = [];
    const maxChars = this.config.maxChars;
    const run = (detector: string, fn: () => void): void => {
      try {
        fn();
      } catch (err) {
        const error = err instanceof Error ? err.name : 'Error';
        errors.push({ detector, error });
        if (failClosed)
          findings.push({ detector: 'error', type: 'DETECTOR_ERROR', action: 'block', path: detector });
      }
    };

    if (cfg.pii || cfg.secrets) {
      run(cfg.pii ? 'pii' : 'secrets', () => {
        const detectors: Array<'pii' | 'secrets'> = [];
        if (cfg.pii) detectors.push('pii');
        if (cfg.secrets) detectors.push('secrets');
        const r = scan(text, { detectors, piiTypes: cfg.pii?.types, maxChars });
        for (const f of r.pii) {
          const isSecret = f.type === 'API_KEY';
          const c = isSecret ? cfg.secrets : cfg.pii;
          if (!c || (f.score ?? 1) < (c.minScore ?? 0)) continue;
          const typeAction = isSecret ? undefined : cfg.pii?.typeActions?.[f.type];
          findings.push({
            detector: isSecret ? 'secrets' : 'pii',
            type: f.type,
            action: typeAction ?? c.action,
            start: f.start,
            end: f.end,
            score: f.score ?? 1,
          });
        }
      });
    }
    if (cfg.injection) {
      const ic = cfg.injection;
      run('injection', () => {
        const r = scan(text, {
          detectors: ['injection'],
          source,
          injectionThreshold: ic.threshold,
          greyBand: ic.greyBand,
          classifier: ctx.classifier,
          maxChars,
        });
        if (r.injection.flagged)
          findings.push({
            detector: 'injection',
            type: 'INJECTION',
            action: ic.action,
            score: r.injection.score,
            rules: r.injection.rules,
          });
      });
    }
    if (cfg.policy && this._content) {
      const pc = cfg.policy;
      run('policy', () => {
        const r = scan(text, {
          detectors: ['policy'],
          contentPolicy: this._content,
          policyCategories: pc.categories,
          maxChars,
        });
        for (const m of r.policy ?? []) {
          findings.push({
            detector: 'policy',
            type: 'POLICY',
            category: m.category,
            rules: [m.rule],
            action: pc.categoryActions?.[m.category] ?? pc.action,
            start: m.start,
            end: m.end,
          });
        }
      });
    }
    if (cfg.canary) {
      const canaries = [...(this.config.canaries ?? []), ...(ctx.canaries ?? [])];
      const cc = cfg.canary;
      if (canaries.length > 0) {
        run('canary', () => {
          const r = scan(text, { detectors: ['canary'], canaries });
          for (const leak of r.canaries ?? []) {
            const f: VerdictFinding = {
              detector: 'canary',
              type: 'CANARY',
              action: cc.action,
              rules: [`canary:${leak.index}`],
            };
            if (leak.start >= 0) {
              f.start = leak.start;
              f.end = leak.end;
            }
            findings.push(f);
          }
        });
      }
    }
    const validate = this._schemas[dir];
    if (cfg.schema && validate) {
      const sc = cfg.schema;
      run('schema', () => {
        let value: unknown;
        const fenced = FENCE_RE.exec(text);
        try {
          value = JSON.parse(fenced ? fenced[1]! : text);
        } catch {
          findings.push({ detector: 'schema', type: 'SCHEMA', action: sc.action, rules: ['invalid-json'] });
          return;
        }
        if (!validate(value)) {
          for (const e of validate.errors ?? [])
            findings.push({
              detector: 'schema',
              type: 'SCHEMA',
              action: sc.action,
              rules: [e.keyword],
              path: e.instancePath || '/',
            });
        }
      });
    }

    let action: Action = 'allow';
    const counts: Record<string, number> = {};
    for (const f of findings) {
      action = maxAction(action, f.action);
      const key = f.detector === 'policy' ? `POLICY:${f.category}` : f.type;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    const verdict: Verdict = {
      action,
      direction: dir,
      source,
      findings,
      counts,
      policy: this.name,
      policyHash: this.hash,
      elapsedMs: 0,
    };
    if (this.version !== undefined) verdict.policyVersion = this.version;
    if (action === 'redact') {
      const toRedact = findings
        .filter((f) => f.action === 'redact' && f.start !== undefined)
        .map((f) => ({
          type: f.detector === 'policy' ? (f.category ?? 'POLICY').toUpperCase() : f.type,
          start: f.start!,
          end: f.end!,
        }));
      const opts = ctx.hashKey !== undefined ? { ...this._redaction, key: ctx.hashKey } : this._redaction;
      verdict.redactedText = redact(
        text,
        toRedact,
        opts.mode === 'hash' && opts.key === undefined ? { ...opts, mode: 'type' } : opts,
      );
    }
    if (errors.length > 0) verdict.errors = errors;
    verdict.elapsedMs = performance.now() - t0;
    return verdict;
  }

  /** Redact spans with this policy's placeholder settings (`redaction`); `hashKey` overrides the env key. */
  redact(text: string, findings: readonly RedactableFinding[], hashKey?: string | Buffer): string {
    const opts = hashKey !== undefined ? { ...this._redaction, key: hashKey } : this._redaction;
    return redact(
      text,
      findings,
      opts.mode === 'hash' && opts.key === undefined ? { ...opts, mode: 'type' } : opts,
    );
  }

  /** `evaluate`, then throw `GuardrailViolationError` when the action is `block`. */
  enforce(text: string, ctx: EvaluateContext): Verdict {
    const v = this.evaluate(text, ctx);
    if (v.action === 'block') throw new GuardrailViolationError(v);
    return v;
  }
}

/**
 * Load and validate a policy from a YAML/JSON file path, a YAML/JSON string, or an object. Every schema
 * error is reported with its JSON pointer in one `PolicyValidationError`.
 */
export function loadPolicy(pathOrObject: string | PolicyConfig): Policy {
  let raw: unknown = pathOrObject;
  if (typeof pathOrObject === 'string') {
    const trimmed = pathOrObject.trimStart();
    const isInline = trimmed.startsWith('{') || pathOrObject.includes('\n');
    const src = isInline ? pathOrObject : readFileSync(pathOrObject, 'utf8');
    try {
      raw = parseYaml(src);
    } catch (err) {
      throw new PolicyValidationError([
        { path: '', message: `parse error: ${err instanceof Error ? err.message : String(err)}` },
      ]);
    }
  }
  const validate = getPolicyValidator();
  if (!validate(raw)) throw new PolicyValidationError(ajvErrors(validate.errors));
  // Deep copy so later mutation of the caller's object cannot change a loaded policy (or its hash).
  return new Policy(JSON.parse(JSON.stringify(raw)) as PolicyConfig);
}

/** The default policy: input: injection flag, secrets redact, PII flag; output: secrets redact, canary block. */
export const DEFAULT_POLICY_CONFIG: PolicyConfig = {
  name: 'genai-ops-default',
  version: '1',
  failMode: 'open',
  input: {
    injection: { action: 'flag' },
    secrets: { action: 'redact' },
    pii: { action: 'flag' },
  },
  output: {
    secrets: { action: 'redact' },
    canary: { action: 'block' },
  },
};

/** The default policy, loaded. Pass per-call canaries with `evaluate(text, { direction: 'output', canaries })`. */
export const defaultPolicy: Policy = loadPolicy(DEFAULT_POLICY_CONFIG);
