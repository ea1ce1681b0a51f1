/**
 * The two packages as npm publishes them: `npm pack` (which builds them through prepack) into a
 * temporary folder, then a fresh app there installs the tarballs, with react, react-dom, vite and
 * the React types from the registry (the versions this repository uses, so npm's cache serves
 * them: `--prefer-offline`). The app's tsc checks a small consumer of both packages against the
 * published declarations, and `vite build` bundles it with the inbox and its stylesheet in.
 * `npm run test:packages` (vitest.packages.config.ts): 20 to 50 s, so not inside `npm test`; every
 * command has a deadline.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const require = createRequire(import.meta.url);
const COMMAND_DEADLINE_MS = 180_000;

/** The version this repository installed, so the app gets the same one from npm's cache. */
const installed = (name: string) => `${name}@${(require(`${name}/package.json`) as { version: string }).version}`;

/** npm's settings from the environment, without what `npm test` sets about this workspace. */
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('npm_') || ['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig'].includes(key)));

async function run(command: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await exec(command, args, { cwd, env, timeout: COMMAND_DEADLINE_MS, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`, { cause: error });
  }
}

const CONSUMER = `
import { createRoot } from 'react-dom/client';
import { Inbox, InboxProvider, useNotifications, useUnreadCount, type Notification } from '@kafka-notify/react';
import { createInbox, graphql, type InboxState, type ResultOf } from '@kafka-notify/client';

function Summary() {
  const { count }: { count: number } = useUnreadCount();
  const { notifications, loadMore } = useNotifications({ filter: { kind: ['mention'] } });
  const newest: Notification | undefined = notifications[0];
  return <button onClick={() => void loadMore()}>{count} {newest?.message}</button>;
}

// The app's own operation, typed from the schema the client package ships.
const Mine = graphql('query Mine { unreadCount notifications(first: 1) { totalCount } }');
export const total = (data: ResultOf<typeof Mine>): number => data.unreadCount + data.notifications.totalCount;
// @ts-expect-error: the count is a number, so the published types are not \`any\`
export const wrong: string = ({} as ResultOf<typeof Mine>).unreadCount;

const inbox = createInbox({ url: '/graphql', getToken: () => sessionStorage.getItem('token') });
export const unsubscribe = inbox.subscribe((state: InboxState) => console.log(state.feed.notifications.length, state.unread.count, state.connectionStatus));
// @ts-expect-error: markRead takes the ids
void inbox.markRead(7);

createRoot(document.getElementById('root')!).render(
  <InboxProvider url="/graphql" getToken={() => sessionStorage.getItem('token')}>
    <Summary />
    <Inbox pageSize={20} />
  </InboxProvider>,
);
`;

describe('the packed packages in a fresh Vite app', () => {
  let dir: string;
  let app: string;
  const tarballs: Record<'client' | 'react', string> = { client: '', react: '' };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kafka-notify-packed-'));
    // One after the other (the React package's prepack builds the client too: its declarations are built against the client's).
    for (const name of ['client', 'react'] as const) {
      await run('npm', ['pack', '-w', `@kafka-notify/${name}`, '--pack-destination', dir], process.cwd());
      tarballs[name] = join(dir, (await readdir(dir)).find((file) => file.startsWith(`kafka-notify-${name}-`))!);
    }
    app = join(dir, 'app');
    await mkdir(join(app, 'src'), { recursive: true });
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await writeFile(join(app, 'index.html'), '<!doctype html><html lang="en"><body><div id="root"></div><script type="module" src="/src/main.tsx"></script></body></html>');
    await writeFile(join(app, 'src', 'main.tsx'), CONSUMER);
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        // What Vite's React template sets, plus the strictest side-effect import check, and no skipLibCheck.
        compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', jsx: 'react-jsx', lib: ['ES2022', 'DOM'], types: [], strict: true, noEmit: true, noUncheckedSideEffectImports: true },
        include: ['src'],
      }),
    );
    const registry = ['react', 'react-dom', 'vite', 'typescript', '@types/react', '@types/react-dom'].map(installed);
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarballs.client, tarballs.react, ...registry], app);
  }, 5 * COMMAND_DEADLINE_MS);

  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('ship their build, declarations and README only', async () => {
    const contents = async (tarball: string) => (await run('tar', ['-tzf', tarball], dir)).split('\n').filter(Boolean).sort();
    const client = await contents(tarballs.client);
    expect(client).toEqual(expect.arrayContaining(['package/README.md', 'package/package.json', 'package/dist/lib/index.js', 'package/dist/lib/index.d.ts', 'package/dist/lib/graphql-env.d.ts']));
    expect(client.filter((path) => !/^package\/(README\.md|package\.json|dist\/lib\/[\w-]+\.(js|d\.ts))$/.test(path))).toEqual([]);
    const react = await contents(tarballs.react);
    expect(react).toEqual(expect.arrayContaining(['package/README.md', 'package/package.json', 'package/dist/lib/index.js', 'package/dist/lib/index.d.ts', 'package/dist/lib/styles.css']));
    expect(react.filter((path) => !/^package\/(README\.md|package\.json|dist\/lib\/[\w-]+\.(js|d\.ts|css))$/.test(path))).toEqual([]);
  });

  it("type-check in the app, against the published declarations", async () => {
    await run(join(app, 'node_modules', '.bin', 'tsc'), ['-p', '.'], app);
  }, COMMAND_DEADLINE_MS);

  it('bundle with Vite: the inbox, its operations and its stylesheet are in the build', async () => {
    await run(join(app, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], app);
    const assets = join(app, 'dist', 'assets');
    const files = await readdir(assets);
    const read = async (extension: string) => (await Promise.all(files.filter((file) => file.endsWith(extension)).map((file) => readFile(join(assets, file), 'utf8')))).join('\n');
    const [script, styles] = [await read('.js'), await read('.css')];
    expect(script).toContain('kn-bell');
    expect(script).toContain('notificationAdded');
    expect(script).toContain('notificationsChanged');
    expect(styles).toContain('.kn-bell');
    expect(styles).toContain('--kn-accent');
  }, COMMAND_DEADLINE_MS);
});
