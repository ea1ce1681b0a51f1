// Free TCP ports for processes we start (the broker, and the tests' Redis, PostgreSQL and apps),
// which must be told a port before they listen.
import getPort from 'get-port';

/**
 * `count` distinct free ports. get-port keeps each port it hands out locked for 15–30 s in this
 * process, so the calls cannot return the same port twice while the callers start listening.
 */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i += 1) ports.push(await getPort());
  return ports;
}
