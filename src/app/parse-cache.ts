/**
 * Yoga's parse caches, bounded by what they hold rather than by how many: its default keeps
 * 1024 documents whole, so 1024 different 1 MB documents would pin a gigabyte. Here a document
 * longer than 8 KB is never kept (real operations are far smaller; a long one is an attack or a
 * one-off), and all kept documents together stay under 1 MB of source text.
 */
import type { DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';

const MAX_CACHED_DOCUMENT = 8 * 1024;
const MAX_CACHED_TOTAL = 1024 * 1024;

function boundedCache<T extends object>() {
  const cache = new LRUCache<string, T>({
    maxSize: MAX_CACHED_TOTAL,
    maxEntrySize: MAX_CACHED_DOCUMENT,
    sizeCalculation: (_value, key) => Math.max(1, key.length),
  });
  return {
    get: (key: string) => cache.get(key),
    set: (key: string, value: T) => {
      if (key.length <= MAX_CACHED_DOCUMENT) cache.set(key, value);
    },
  };
}

export const boundedParserCache = () => ({
  documentCache: boundedCache<DocumentNode>(),
  errorCache: boundedCache<object>(),
  validationCache: true,
});
