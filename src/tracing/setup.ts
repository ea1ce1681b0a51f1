/**
 * The OpenTelemetry SDK, registered for the whole process, and only when an operator asks for it
 * (an OTLP endpoint is set). Otherwise nothing is registered and every span the parts start through
 * `@opentelemetry/api` is the API's no-op: no context manager, no propagator, no headers on Kafka.
 * Process-wide, so the entry point starts it once (a test starts it with an exporter of its own);
 * the parts never see the SDK, only the API.
 */
import { diag, DiagLogLevel, trace, context, propagation } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { Logger } from '../logger.js';

export interface TracingSettings {
  /** OTEL_EXPORTER_OTLP_ENDPOINT (or its traces-only twin) is set, and OTEL_SDK_DISABLED is not. */
  enabled: boolean;
}

export interface TracingOptions {
  log: Logger;
  /** Where spans go instead of OTLP over HTTP; given, tracing is on whatever the settings say (tests). */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  enabled: boolean;
  /** Exports what is still buffered, then unregisters, so a later start in the same process begins clean. */
  stop(): Promise<void>;
}

export function startTracing(settings: TracingSettings, { log, spanProcessors }: TracingOptions): Tracing {
  if (!settings.enabled && !spanProcessors) return { enabled: false, stop: async () => {} };
  // An unreachable collector is the operator's to know; the SDK says so through `diag`, silent by default.
  diag.setLogger(
    {
      error: (message, ...args) => log.warn({ args }, `OpenTelemetry: ${message}`),
      warn: (message, ...args) => log.warn({ args }, `OpenTelemetry: ${message}`),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  );
  const provider = new NodeTracerProvider({
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the name given here.
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'kafka-notify' })).merge(detectResources({ detectors: [envDetector] })),
    // The exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS, _TIMEOUT, _COMPRESSION; the
    // batch processor OTEL_BSP_*; the provider OTEL_TRACES_SAMPLER(_ARG) and the span limits.
    spanProcessors: spanProcessors ?? [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // W3C trace context alone: it is what goes into the Kafka headers and the pub/sub; no baggage.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  log.info({ exporter: spanProcessors ? 'given' : 'otlp/http' }, 'OpenTelemetry tracing is on');
  return {
    enabled: true,
    async stop() {
      await provider.shutdown().catch((err: unknown) => log.warn({ err }, 'OpenTelemetry: spans could not be flushed at shutdown'));
      trace.disable();
      propagation.disable();
      context.disable();
      diag.disable();
    },
  };
}
