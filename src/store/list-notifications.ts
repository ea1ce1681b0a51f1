import { NOTIFICATION_STATUSES, type NotificationStatus } from '../notifications/notification.js';
import type { NotificationFilter, NotificationPage, NotificationPageQuery } from '../notifications/ports.js';
import { NOTIFICATION_COLUMNS, toNotification, type NotificationRow } from './notification-rows.js';
import type { SqlQuery } from './sql-client.js';

/** When a query names neither `first` nor `last`: a bounded page, never the whole inbox. */
export const DEFAULT_PAGE_SIZE = 20;

const DEFAULT_STATUSES: readonly NotificationStatus[] = ['unread', 'read'];

const STATUS_CONDITIONS: Record<NotificationStatus, string> = {
  unread: '(read_at IS NULL AND archived_at IS NULL)',
  read: '(read_at IS NOT NULL AND archived_at IS NULL)',
  archived: 'archived_at IS NOT NULL',
};

/**
 * Keyset paging on seq, newest first. `first` (with `after`) walks towards older rows, `last`
 * (with `before`) towards newer ones; both are honoured together as Relay specifies.
 * Each page costs two statements: the rows (limit + 1, to see past the page) and one row of
 * totals (count, and whether rows exist beyond the cursors).
 */
export async function listNotifications(sql: SqlQuery, query: NotificationPageQuery): Promise<NotificationPage> {
  const towardsNewer = query.first === undefined && query.last !== undefined;
  const limit = (towardsNewer ? query.last : query.first) ?? DEFAULT_PAGE_SIZE;

  const page = new Params();
  const range = [filterConditions(page, query.userId, query.filter)];
  if (query.after !== undefined) range.push(`seq < ${page.add(query.after)}`);
  if (query.before !== undefined) range.push(`seq > ${page.add(query.before)}`);
  const pageSql = `SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE ${range.join(' AND ')}
                   ORDER BY seq ${towardsNewer ? 'ASC' : 'DESC'} LIMIT ${page.add(limit + 1)}`;

  const totals = new Params();
  // Built on first use, so that a statement that needs no filter binds no parameter for it.
  let filteredSql: string | undefined;
  const filtered = () => (filteredSql ??= filterConditions(totals, query.userId, query.filter));
  const count = query.countTotal === false ? 'NULL::bigint' : `(SELECT count(*) FROM notifications WHERE ${filtered()})`;
  const beyondCursor = (cursor: number | undefined, op: '>=' | '<=') =>
    cursor === undefined
      ? 'FALSE'
      : `EXISTS (SELECT 1 FROM notifications WHERE ${filtered()} AND seq ${op} ${totals.add(cursor)})`;
  const totalsSql = `SELECT ${count} AS total_count,
                            ${beyondCursor(query.after, '>=')} AS newer_exist,
                            ${beyondCursor(query.before, '<=')} AS older_exist`;

  const [rows, [summary]] = await Promise.all([
    sql.query<NotificationRow>(pageSql, page.values),
    sql.query<{ total_count: number | null; newer_exist: boolean; older_exist: boolean }>(totalsSql, totals.values),
  ]);

  let items: NotificationRow[];
  let hasNextPage: boolean;
  let hasPreviousPage: boolean;
  if (towardsNewer) {
    hasPreviousPage = rows.length > limit;
    hasNextPage = false;
    items = rows.slice(0, limit).reverse();
  } else {
    hasNextPage = rows.length > limit;
    hasPreviousPage = false;
    items = rows.slice(0, limit);
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
  };
}

function filterConditions(params: Params, userId: string, filter: NotificationFilter | undefined): string {
  const conditions = [`recipient_id = ${params.add(userId)}`, statusCondition(filter?.status ?? DEFAULT_STATUSES)];
  if (filter?.kind !== undefined) conditions.push(`kind = ANY(${params.add([...filter.kind])}::text[])`);
  return conditions.join(' AND ');
}

function statusCondition(statuses: readonly NotificationStatus[]): string {
  const wanted = NOTIFICATION_STATUSES.filter((status) => statuses.includes(status));
  if (wanted.length === 0) return 'FALSE';
  if (wanted.length === NOTIFICATION_STATUSES.length) return 'TRUE';
  // The default view, spelled as the predicate of its partial index so the planner can use it.
  if (!wanted.includes('archived') && wanted.length === 2) return 'archived_at IS NULL';
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
