/**
 * Pressing a notification's button in the store (migration 010): the press is recorded once, on
 * a row that has the button and none pressed yet, and it reads the row, as opening it would.
 *
 * Two statements in one transaction, as the counting needs (inbox-counts.ts): the first presses
 * an unread row and so moves the counts, stating that it was unread before (its WHERE clause
 * pins it), and tells the read on the activity topic as any read is; the second presses a row
 * already read, which moves no count. At most one of them finds the row. The first takes the
 * recipient's counter row, so a concurrent press of the same row waits for this one to commit
 * and then finds a button pressed: each row is pressed once, whoever presses at the same time.
 */
import { inboxKey } from '../notifications/inbox-key.js';
import type { NotificationStore } from '../notifications/ports.js';
import { countedReturning, ROW_FACTS, rowsOfLockedRecipient, withCounts } from './inbox-counts.js';
import { NOTIFICATION_COLUMNS, storableIds, toNotification, workspaceColumn, type NotificationRow } from './notification-rows.js';
import type { SqlClient } from './sql-client.js';

type ActionStore = Pick<NotificationStore, 'pressAction'>;

/** The row is in the inbox ($1, $5), no button of it was pressed, and it has button $3. */
const PRESSABLE = `${rowsOfLockedRecipient('$1', '$5')} AND id = $2::uuid AND pressed_action IS NULL AND $3::smallint < jsonb_array_length(actions)`;

/** Within smallint, and a button index at all; anything else names no button. */
const isIndex = (index: number) => Number.isInteger(index) && index >= 0 && index < 2 ** 15;

export function actionStore(sql: SqlClient): ActionStore {
  return {
    async pressAction(inbox, id, index, at) {
      const [wanted] = storableIds([id]);
      if (wanted === undefined || !isIndex(index)) return [];
      const { userId, workspaceId } = inboxKey(inbox);
      const params = [userId, wanted, index, at.toISOString(), workspaceColumn(workspaceId)];
      const rows = await sql.transaction(async (tx) => {
        const read = await tx.query<NotificationRow>(
          withCounts(
            `UPDATE notifications SET pressed_action = $3::smallint, pressed_at = $4::timestamptz, read_at = $4::timestamptz
              WHERE ${PRESSABLE} AND read_at IS NULL
             RETURNING ${NOTIFICATION_COLUMNS}, ${countedReturning({ ...ROW_FACTS, read: 'FALSE' })}`,
            `SELECT ${NOTIFICATION_COLUMNS} FROM changed`,
            { action: 'read', at: '$4::timestamptz' },
          ),
          params,
        );
        if (read.length > 0) return read;
        return tx.query<NotificationRow>(
          `UPDATE notifications SET pressed_action = $3::smallint, pressed_at = $4::timestamptz
            WHERE ${PRESSABLE} AND read_at IS NOT NULL
           RETURNING ${NOTIFICATION_COLUMNS}`,
          params,
        );
      });
      return rows.map(toNotification);
    },
  };
}
