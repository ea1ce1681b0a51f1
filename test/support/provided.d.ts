// Values the global setup hands to every test file through `inject()`.
declare module 'vitest' {
  export interface ProvidedContext {
    /** Comma-separated host:port list of the one Kafka cluster the whole run uses. */
    kafkaBrokers: string;
  }
}

export {};
