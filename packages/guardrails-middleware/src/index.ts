export {
  createContentRedactor,
  type GuardrailsMiddlewareConfig,
  type InstalledGuardrails,
  installGuardrails,
  PolicyCallGuard,
} from './middleware.js';
export * from './attributes.js';
