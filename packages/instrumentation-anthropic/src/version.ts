/** The instrumentation scope name and version of this package. */
export const PACKAGE_NAME = '@genai-ops/instrumentation-anthropic';
export const PACKAGE_VERSION = '0.1.0';
