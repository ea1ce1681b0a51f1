/**
 * The signed-in user's preferences, read once when mounted, and a `set` that applies what it names
 * and keeps the answer (every kind as it now is). A critical kind cannot be muted: the server
 * refuses it, and <Preferences /> does not offer it.
 */
import type { Preferences, PreferencesInput } from '@kafka-notify/client';
import { useCallback, useEffect, useState } from 'react';
import { useInbox } from './context.js';

export interface UsePreferences {
  /** Null until the first answer. */
  preferences: Preferences | null;
  /** The last failure, of the read or of a change; cleared by the next success. */
  error: Error | null;
  /** A change is on its way. */
  saving: boolean;
  set(input: PreferencesInput): Promise<void>;
}

export function usePreferences(): UsePreferences {
  const inbox = useInbox();
  const [preferences, setPreferences] = useState<Preferences | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    let live = true;
    inbox.preferences().then(
      (read) => live && (setPreferences(read), setError(null)),
      (failure: unknown) => live && setError(failure instanceof Error ? failure : new Error(String(failure))),
    );
    return () => {
      live = false;
    };
  }, [inbox]);

  const set = useCallback(
    async (input: PreferencesInput) => {
      setSaving(true);
      try {
        setPreferences(await inbox.setPreferences(input));
        setError(null);
      } catch (failure) {
        setError(failure instanceof Error ? failure : new Error(String(failure)));
      } finally {
        setSaving(false);
      }
    },
    [inbox],
  );

  return { preferences, error, saving, set };
}
