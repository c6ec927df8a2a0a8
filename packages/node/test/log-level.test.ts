import { DiagLogLevel } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { diagLevelFromString, isDiagLevelName } from '../src/log-level';

describe('diagLevelFromString', () => {
  it.each<[string | undefined, DiagLogLevel]>([
    [undefined, DiagLogLevel.WARN],
    ['none', DiagLogLevel.NONE],
    ['ERROR', DiagLogLevel.ERROR],
    ['warn', DiagLogLevel.WARN],
    [' info ', DiagLogLevel.INFO],
    ['debug', DiagLogLevel.DEBUG],
    ['verbose', DiagLogLevel.VERBOSE],
    ['all', DiagLogLevel.ALL],
    ['loud', DiagLogLevel.WARN],
  ])('%s -> %s', (value, level) => {
    expect(diagLevelFromString(value)).toBe(level);
  });
});

describe('isDiagLevelName', () => {
  it.each<[string, boolean]>([
    ['warn', true],
    [' Debug ', true],
    ['ALL', true],
    ['loud', false],
    ['constructor', false],
    ['', false],
  ])('%s -> %s', (value, known) => {
    expect(isDiagLevelName(value)).toBe(known);
  });
});
