/**
 * The two halves of "a stream over HTTP lives only while a client can read it" that need no
 * server: which Accept headers Yoga will stream a subscription to (the rest are refused before
 * they subscribe), and the last resort when Yoga finds no writer for a stream anyway: the stream
 * is ended, since Yoga answers 406 and never reads it.
 */
import type { Plugin } from 'graphql-yoga';
import { describe, expect, it, vi } from 'vitest';
import { acceptsEventStream, createStreamCounter, useLiveStreamGuards } from '../../src/app/live-streams.js';
import type { Context } from '../../src/schema/context.js';

const withAccept = (accept: string | null) => new Request('http://notify.test/graphql', accept === null ? {} : { headers: { accept } });

describe('acceptsEventStream', () => {
  it.each([
    [null, true],
    ['', true],
    ['*/*', true],
    ['text/*', true],
    ['text/event-stream', true],
    ['TEXT/EVENT-STREAM', true],
    ['text/event-stream; charset=utf-8', true],
    ['application/json, text/event-stream', true],
    ['application/json;q=0.9, */*;q=0.1', true],
    ['application/json', false],
    ['application/graphql-response+json', false],
    ['multipart/mixed', false],
    ['text/html', false],
    ['text/plain', false],
    ['text/event-stream; charset=iso-8859-1', false],
    ['*/*; charset=latin1', false],
  ])('Accept %j: %s', (accept, streams) => {
    expect(acceptsEventStream(withAccept(accept))).toBe(streams);
  });
});

type ResultProcessPayload = Parameters<NonNullable<Plugin<Context>['onResultProcess']>>[0];

function resultProcessHook() {
  const plugin = useLiveStreamGuards({ streams: createStreamCounter(1), perCaller: 1, open: new Set() });
  const hook = plugin.onResultProcess;
  if (!hook) throw new Error('the guards have no onResultProcess hook');
  return hook;
}

/** A stream that records whether it was ended. */
function recordedStream() {
  const ended = vi.fn(async () => ({ done: true as const, value: undefined }));
  const stream: AsyncIterable<{ data: null }> = {
    [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<{ data: null }>>(() => {}), return: ended }),
  };
  return { stream, ended };
}

const payload = (result: ResultProcessPayload['result'], resultProcessor?: ResultProcessPayload['resultProcessor']) => {
  const setResultProcessor = vi.fn<ResultProcessPayload['setResultProcessor']>();
  const event: ResultProcessPayload = {
    request: withAccept('application/json'),
    result,
    setResult: () => {},
    ...(resultProcessor && { resultProcessor }),
    acceptableMediaTypes: [],
    setResultProcessor,
    serverContext: {} as ResultProcessPayload['serverContext'],
  };
  return { event, setResultProcessor };
};

describe('a stream Yoga has no writer for', () => {
  it('is ended at once', async () => {
    const { stream, ended } = recordedStream();
    const { event, setResultProcessor } = payload(stream);
    await resultProcessHook()(event);
    expect(ended).toHaveBeenCalledOnce();
    // Yoga's own empty 406 stands: nothing here claims the stream was written.
    expect(setResultProcessor).not.toHaveBeenCalled();
  });

  it('is left alone when a writer was chosen', async () => {
    const { stream, ended } = recordedStream();
    const writer: NonNullable<ResultProcessPayload['resultProcessor']> = () => new Response('');
    await resultProcessHook()(payload(stream, writer).event);
    expect(ended).not.toHaveBeenCalled();
  });
});
