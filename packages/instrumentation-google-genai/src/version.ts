/** Instrumentation scope name and version. */
export const PACKAGE_NAME = '@genai-ops/instrumentation-google-genai';
export const PACKAGE_VERSION = '0.1.0';
