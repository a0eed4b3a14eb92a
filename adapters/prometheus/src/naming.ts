// The OpenTelemetry -> Prometheus naming rules live in the core (`@rohas/telemetry`), so the server's PromQL API names
// stored metrics exactly as this pull endpoint exposes them.
export {
  type FamilyNames,
  familyNames,
  sanitizeLabelName,
  sanitizeMetricName,
  unitSuffix,
} from '@rohas/telemetry/adapter';
