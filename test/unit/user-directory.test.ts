import { describe, expect, it } from 'vitest';
import type { User } from '../../src/notifications/notification.js';
import { createUserDirectory } from '../../src/notifications/user-directory.js';

function setup() {
  const rows = new Map<string, User>([['1', { id: '1', name: 'Emma' }], ['2', { id: '2', name: 'Bruno' }]]);
  const asked: string[][] = [];
  const directory = createUserDirectory({
    getUsers: async (ids) => {
      asked.push([...ids]);
      return ids.flatMap((id) => (rows.has(id) ? [rows.get(id)!] : []));
    },
    upsertUser: async (user) => {
      rows.set(user.id, user);
      return user;
    },
    listUsers: async () => [...rows.values()],
  });
  return { directory, rows, asked };
}

describe('createUserDirectory', () => {
  it('asks the store only for users it has not found before', async () => {
    const { directory, asked } = setup();
    expect(await directory.getUsers(['1'])).toEqual([{ id: '1', name: 'Emma' }]);
    const both = await directory.getUsers(['1', '2']);
    expect(new Set(both.map((user) => user.id))).toEqual(new Set(['1', '2']));
    expect(asked).toEqual([['1'], ['2']]);
  });

  it('never remembers an unknown id, so a user created since is found at once', async () => {
    const { directory, rows, asked } = setup();
    expect(await directory.getUsers(['9'])).toEqual([]);
    rows.set('9', { id: '9', name: 'Nina' });
    expect(await directory.getUsers(['9'])).toEqual([{ id: '9', name: 'Nina' }]);
    expect(asked).toEqual([['9'], ['9']]);
  });

  it('shows a rename made through it at once', async () => {
    const { directory, asked } = setup();
    await directory.getUsers(['1']);
    await directory.upsertUser('1', 'Emma R.');
    expect(await directory.getUsers(['1'])).toEqual([{ id: '1', name: 'Emma R.' }]);
    expect(asked).toEqual([['1']]);
  });
});
