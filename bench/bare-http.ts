/**
 * The baseline of the HTTP trigger API: a bare `node:http` server, nothing else, that reads a
 * POST's body to its end and answers 200 with a constant JSON body of the size of the API's 201
 * (id, recipient, time). What the service spends beyond this is its own: Yoga's request handling,
 * the token, the checks, Kafka.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const ANSWER = JSON.stringify({ id: '00000000-0000-4000-8000-000000000000', recipientId: 'bench-produce-0', createdAt: new Date().toISOString() });
const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(ANSWER) };

export async function startBareHttp(): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer((request, response) => {
    request.on('data', () => {});
    request.on('end', () => {
      response.writeHead(200, HEADERS);
      response.end(ANSWER);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
