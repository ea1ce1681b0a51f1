/**
 * A DOM for React in a test that also runs the real server in the same process. Vitest's jsdom
 * environment replaces Node's own globals (URL, TextEncoder, …) with jsdom's, which breaks the
 * server (jose, file URLs); this adds only what Node lacks, so both sides keep their own.
 * Import it before React.
 */
import { JSDOM } from 'jsdom';

const { window } = new JSDOM('<!doctype html><html><body></body></html>', { url: 'http://localhost/' });
for (const key of Object.getOwnPropertyNames(window)) {
  if (key in globalThis) continue;
  Object.defineProperty(globalThis, key, { configurable: true, writable: true, value: (window as unknown as Record<string, unknown>)[key] });
}
Object.assign(globalThis, { window, IS_REACT_ACT_ENVIRONMENT: true });
