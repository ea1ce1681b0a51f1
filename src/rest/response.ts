/**
 * The Response class the HTTP API answers with: Yoga's own (its fetch API, the @whatwg-node
 * ponyfill), whose string body Yoga's server writes to the socket as it is. The body of Node's
 * global Response is a web ReadableStream, which the server must read chunk by chunk: creating
 * and reading it was about 7 % of the server's busy CPU under `POST /v1/notifications`, one per
 * request (bench figure 8's profile). useHttpApi hands over Yoga's class when Yoga starts; before
 * that (or without Yoga) it is the global one, which any server reads too, only slower.
 */
let ResponseClass: typeof Response = Response;

export function answerWith(fetchApiResponse: typeof Response): void {
  ResponseClass = fetchApiResponse;
}

export const respond = (body: string | null, init: ResponseInit): Response => new ResponseClass(body, init);
