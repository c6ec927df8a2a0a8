/** This package's name and version, as the instrumentation scope. */
export const PACKAGE_NAME = '@genai-ops/instrumentation-openai';
export const PACKAGE_VERSION = '0.1.0';
