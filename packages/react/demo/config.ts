/**
 * What the server puts into the page (src/dev/demo-page.ts): the GraphQL path, the demo users
 * one may act as with their development tokens, and everyone one may send to.
 */
export interface DemoUser {
  id: string;
  name: string;
}

export interface DemoConfig {
  graphqlPath: string;
  signIn: (DemoUser & { token: string })[];
  directory: DemoUser[];
  /** The development service token (admin), for the scenarios a back end plays; null without one. */
  service: string | null;
}

export function readDemoConfig(): DemoConfig {
  const text = document.getElementById('kn-demo-config')?.textContent;
  const fallback: DemoConfig = { graphqlPath: '/graphql', signIn: [], directory: [], service: null };
  return text ? { ...fallback, ...(JSON.parse(text) as Partial<DemoConfig>) } : fallback;
}
