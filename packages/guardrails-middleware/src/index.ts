export * from './attributes.js';
export {
  createContentRedactor,
  type GuardrailsMiddlewareConfig,
  type InstalledGuardrails,
  installGuardrails,
  PolicyCallGuard,
} from './middleware.js';
