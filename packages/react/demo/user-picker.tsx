/** The first screen: which demo user to be. */
import type { DemoUser } from './config.js';

export function UserPicker({ users, onPick }: { users: DemoUser[]; onPick(user: DemoUser): void }) {
  return (
    <main className="demo-picker">
      <h1>kafka-notify inbox demo</h1>
      {users.length === 0 ? (
        <p>
          No development tokens: this server was started with <code>AUTH_JWT_SECRET</code> or <code>AUTH_JWKS_URL</code>. Start it with neither to try the demo.
        </p>
      ) : (
        <>
          <p>Pick a demo user. Each signs in with the development token `npm start` printed.</p>
          <ul className="demo-picker-list">
            {users.map((user) => (
              <li key={user.id}>
                <button type="button" className="demo-picker-user" onClick={() => onPick(user)}>
                  <span className="demo-avatar" aria-hidden="true">
                    {user.name.slice(0, 1)}
                  </span>
                  <span>
                    {user.name}
                    <small>user {user.id}</small>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </main>
  );
}
