/**
 * <Preferences />: per kind, a checkbox for in-app (unchecked: muted, not stored for the user from
 * then on) and a select for delivery: one by one, or one summary an hour or a day (a digest). A
 * critical kind's checkbox and select are disabled, with a note: it cannot be muted or digested.
 */
import type { KindPreference } from '@kafka-notify/client';
import { usePreferences } from './use-preferences.js';

export interface PreferencesProps {
  heading?: string;
  /** How each kind is named (default: its registered name, capitalised: Like, Invoice.paid). */
  kindLabel?: (kind: KindPreference['kind']) => string;
  className?: string;
}

const DELIVERY_LABELS: Record<KindPreference['delivery'], string> = {
  IMMEDIATE: 'Immediately',
  HOURLY_DIGEST: 'Hourly digest',
  DAILY_DIGEST: 'Daily digest',
};

const defaultLabel = (kind: string) => kind.charAt(0).toUpperCase() + kind.slice(1);

export function Preferences({ heading = 'Notification preferences', kindLabel = defaultLabel, className }: PreferencesProps) {
  const { preferences, error, saving, set } = usePreferences();
  // While a change is on its way the controls ignore input but stay enabled (aria-disabled): a
  // disabled control would drop the keyboard's focus to the page.
  return (
    <section className={['kn-theme', 'kn-preferences', className].filter(Boolean).join(' ')} aria-busy={saving || preferences === null}>
      <h2 className="kn-feed-title">{heading}</h2>
      {error && (
        <p className="kn-preferences-error" role="alert">
          {error.message}
        </p>
      )}
      {preferences && (
        <table className="kn-preferences-table">
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">In the inbox</th>
              <th scope="col">Delivery</th>
            </tr>
          </thead>
          <tbody>
            {preferences.kinds.map(({ kind, inApp, delivery, critical }) => {
              const label = kindLabel(kind);
              return (
                <tr key={kind} data-kind={kind}>
                  <th scope="row">{label}</th>
                  <td>
                    <label>
                      <input
                        type="checkbox"
                        checked={inApp}
                        disabled={critical}
                        aria-disabled={saving || undefined}
                        aria-label={`${label} in the inbox`}
                        onChange={(event) => !saving && void set({ kinds: [{ kind, inApp: event.target.checked }] })}
                      />
                      {critical && <span className="kn-preferences-note"> always on, at once: it cannot be muted or digested</span>}
                    </label>
                  </td>
                  <td>
                    <select
                      value={delivery}
                      disabled={critical}
                      aria-disabled={saving || undefined}
                      aria-label={`${label} delivery`}
                      onChange={(event) => !saving && void set({ kinds: [{ kind, delivery: event.target.value as KindPreference['delivery'] }] })}
                    >
                      {Object.entries(DELIVERY_LABELS).map(([value, text]) => (
                        <option key={value} value={value}>
                          {text}
                        </option>
                      ))}
                    </select>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <p className="kn-preferences-note">A digest brings one notification an hour, or a day at midnight in your time zone, listing what came meanwhile.</p>
    </section>
  );
}
