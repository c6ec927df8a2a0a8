/** Instrumentation scope name and version. */
export const PACKAGE_NAME = '@genai-ops/instrumentation-bedrock';
export const PACKAGE_VERSION = '0.1.0';
