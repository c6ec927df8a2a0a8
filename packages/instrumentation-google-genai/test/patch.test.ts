/**
 * Patching edge cases, in process (the manual entry point; the module hook path is covered end to end in
 * instrumentation.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type GoogleGenAIInstrumentation, instrumentGoogleGenAI } from '../src/instrumentation.js';

let instrumentation: GoogleGenAIInstrumentation | undefined;

afterEach(() => {
  instrumentation?.disable();
  instrumentation = undefined;
});

describe('a Models class that cannot be patched', () => {
  it.each([
    [
      'instance-property methods (1.x, 2.x)',
      class Models {
        generateContent?: () => Promise<unknown>;
        constructor() {
          this.generateContent = async () => 'ok';
        }
      },
    ],
    [
      'a prototype method (embedContent in early 1.x)',
      class Models {
        async embedContent(): Promise<unknown> {
          return 'ok';
        }
      },
    ],
  ])('frozen prototype with %s: no throw, the SDK still works', async (_name, Models) => {
    Object.freeze(Models.prototype);
    expect(() => {
      instrumentation = instrumentGoogleGenAI({ Models });
    }).not.toThrow();
    const models = new Models() as {
      generateContent?: () => Promise<unknown>;
      embedContent?: () => Promise<unknown>;
    };
    await expect((models.generateContent ?? models.embedContent)!()).resolves.toBe('ok');
  });
});
