/**
 * A store read shared by every gauge that one scrape collects: the first gauge starts it, the
 * others of the same scrape await the same promise, and the next scrape reads again. A failed
 * read answers null (the store is away: the gauges report nothing rather than fail the scrape).
 */
export function oncePerScrape<T>(read: () => Promise<T>): () => Promise<T | null> {
  let reading: Promise<T | null> | null = null;
  return () => {
    reading ??= read()
      .catch(() => null)
      .finally(() => setImmediate(() => (reading = null)));
    return reading;
  };
}
