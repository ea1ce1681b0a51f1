import { NOTIFICATION_STATUSES, type NotificationStatus } from '../notifications/notification.js';
import { PAGE_SIZE_DEFAULT, type NotificationFilter, type NotificationPage, type NotificationPageQuery } from '../notifications/ports.js';
import { NOTIFICATION_COLUMNS, toNotification, workspaceColumn, type NotificationRow } from './notification-rows.js';
import { countedTotal } from './inbox-counts.js';
import type { SqlQuery } from './sql-client.js';

/** When a query names neither `first` nor `last`: a bounded page, never the whole inbox. */

const DEFAULT_STATUSES: readonly NotificationStatus[] = ['unread', 'read'];

const STATUS_CONDITIONS: Record<NotificationStatus, string> = {
  unread: '(read_at IS NULL AND archived_at IS NULL AND snoozed_until IS NULL)',
  read: '(read_at IS NOT NULL AND archived_at IS NULL AND snoozed_until IS NULL)',
  archived: 'archived_at IS NOT NULL',
  snoozed: '(snoozed_until IS NOT NULL AND archived_at IS NULL)',
};

interface PageRow extends Omit<NotificationRow, 'id'> {
  /** Null on the one row that carries only the summary, when the page is empty. */
  id: string | null;
  total_count: number | null;
  last_seq: number;
  newer_exist: boolean;
  older_exist: boolean;
}

/**
 * Keyset paging on seq, newest first. `first` (with `after`) walks towards older rows, `last`
 * (with `before`) towards newer ones; both are honoured together as Relay specifies.
 *
 * One statement, one round trip: the rows (limit + 1, to see past the page) joined to one row of
 * totals (the count, and whether rows exist beyond the cursors), which comes back alone when the
 * page is empty. Both read one snapshot, so the count always agrees with the rows. The count is
 * the recipient's counter row unless kinds are filtered, which the counters do not split by:
 * then it is a count over the (recipient_id, kind, seq) index.
 */
export async function listNotifications(sql: SqlQuery, query: NotificationPageQuery): Promise<NotificationPage> {
  const towardsNewer = query.first === undefined && query.last !== undefined;
  const limit = (towardsNewer ? query.last : query.first) ?? PAGE_SIZE_DEFAULT;
  const order = towardsNewer ? 'ASC' : 'DESC';

  const params = new Params();
  const user = params.add(query.userId);
  const workspace = params.add(workspaceColumn(query.workspaceId));
  const filtered = filterConditions(params, user, workspace, query.filter);
  const range = [filtered];
  if (query.after !== undefined) range.push(`seq < ${params.add(query.after)}`);
  if (query.before !== undefined) range.push(`seq > ${params.add(query.before)}`);

  const count =
    query.countTotal === false
      ? 'NULL::bigint'
      : query.filter?.kind === undefined
        ? countedTotal(query.filter?.status ?? DEFAULT_STATUSES, user, workspace)
        : `(SELECT count(*) FROM notifications WHERE ${filtered})`;
  const beyondCursor = (cursor: number | undefined, op: '>=' | '<=') =>
    cursor === undefined ? 'FALSE' : `EXISTS (SELECT 1 FROM notifications WHERE ${filtered} AND seq ${op} ${params.add(cursor)})`;

  const rows = await sql.query<PageRow>(
    `WITH summary AS (
       SELECT ${count} AS total_count,
              COALESCE((SELECT last_seq FROM inbox_counters WHERE user_id = ${user} AND workspace_id = ${workspace}), 0) AS last_seq,
              ${beyondCursor(query.after, '>=')} AS newer_exist,
              ${beyondCursor(query.before, '<=')} AS older_exist),
     page AS (
       SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE ${range.join(' AND ')}
        ORDER BY seq ${order} LIMIT ${params.add(limit + 1)})
     SELECT page.*, summary.* FROM summary LEFT JOIN page ON TRUE ORDER BY page.seq ${order}`,
    params.values,
  );
  const summary = rows[0];
  const found = rows.filter((row): row is PageRow & { id: string } => row.id !== null);

  let items: NotificationRow[];
  let hasNextPage: boolean;
  let hasPreviousPage: boolean;
  if (towardsNewer) {
    hasPreviousPage = found.length > limit;
    hasNextPage = false;
    items = found.slice(0, limit).reverse();
  } else {
    hasNextPage = found.length > limit;
    hasPreviousPage = false;
    items = found.slice(0, limit);
    if (query.last !== undefined && items.length > query.last) {
      hasPreviousPage = true;
      items = items.slice(items.length - query.last);
    }
  }

  return {
    items: items.map(toNotification),
    hasNextPage: hasNextPage || (summary?.older_exist ?? false),
    hasPreviousPage: hasPreviousPage || (summary?.newer_exist ?? false),
    totalCount: query.countTotal === false ? null : (summary?.total_count ?? 0),
    lastSeq: summary?.last_seq ?? 0,
  };
}

/** `user` and `workspace` are the placeholders already bound to the inbox's recipient id and workspace column. */
function filterConditions(params: Params, user: string, workspace: string, filter: NotificationFilter | undefined): string {
  const conditions = [`recipient_id = ${user}`, `workspace_id = ${workspace}`, statusCondition(filter?.status ?? DEFAULT_STATUSES)];
  if (filter?.kind !== undefined) conditions.push(`kind = ANY(${params.add([...filter.kind])}::text[])`);
  return conditions.join(' AND ');
}

export function statusCondition(statuses: readonly NotificationStatus[]): string {
  const wanted = NOTIFICATION_STATUSES.filter((status) => statuses.includes(status));
  if (wanted.length === 0) return 'FALSE';
  if (wanted.length === NOTIFICATION_STATUSES.length) return 'TRUE';
  // The default view, spelled with the predicate of its partial index so the planner can use it.
  if (wanted.length === 2 && wanted.includes('unread') && wanted.includes('read')) return 'archived_at IS NULL AND snoozed_until IS NULL';
  return `(${wanted.map((status) => STATUS_CONDITIONS[status]).join(' OR ')})`;
}

/** Positional parameters: `add` returns the placeholder for a value. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
