/**
 * The stats consumer's fixed stream (issue 18) and every figure it must give, worked out by hand:
 * notification events and activity events with known times on three partitions of each topic,
 * with events out of order within the grace, events later than it, a duplicated notification, a
 * duplicated activity, reads made unread and read again, archives, two kinds (and one SYSTEM),
 * several senders and recipients. A last event at 2025-03-02T12:00 on every partition moves every
 * watermark past the first day, so its windows close.
 *
 * Produced with a raw kafkajs producer (encodeEvent / encodeActivity), partition by partition in
 * order, so the watermarks and what is late do not depend on the producer. Grace: 5 minutes.
 */
import { build } from 'hdr-histogram-js';
import { Kafka, logLevel } from 'kafkajs';
import { encodeActivity, type ActivityAction } from '../../src/notifications/activity-event.js';
import { encodeEvent } from '../../src/notifications/event.js';
import type { NotificationKind } from '../../src/notifications/notification.js';
import { graphqlData } from './graphql.js';

export const STATS_GRACE_MS = 5 * 60_000;
const DAY1 = '2025-03-01';
const DAY2 = '2025-03-02';
const DAY3 = '2025-03-03';
const time = (hhmmss: string, day = DAY1) => new Date(`${day}T${hhmmss}.000Z`);

/** Notification ids n1…n15, fixed for the run. */
const id = (n: number) => `5a7a0000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const created = new Map<number, Date>();

interface Sent {
  n: number;
  at: string;
  day?: string;
  kind: NotificationKind;
  from: string | null;
  to: string;
}

const sent = ({ n, at, day, kind, from, to }: Sent) => {
  const createdAt = time(at, day);
  if (!created.has(n)) created.set(n, createdAt);
  return encodeEvent({ id: id(n), senderId: from, recipientId: to, kind, message: `stats stream n${n}`, link: null, data: null, createdAt });
};

let activityCount = 0;
const activity = (action: ActivityAction, n: number, at: string, kind: NotificationKind, activityId = ++activityCount, day = DAY1) =>
  encodeActivity({
    id: `ac7a0000-0000-4000-8000-${activityId.toString(16).padStart(12, '0')}`,
    action,
    userId: 'stats-user',
    notificationId: id(n),
    kind,
    notificationCreatedAt: created.get(n) ?? time('00:00:00', day),
    at: time(at, day),
  });

/** Per partition, in log order. */
function notificationPartitions() {
  return [
    [
      sent({ n: 1, at: '10:00:10', kind: 'like', from: 'alice', to: 'r1' }),
      sent({ n: 2, at: '10:00:50', kind: 'mention', from: 'bob', to: 'r1' }),
      sent({ n: 3, at: '10:03:00', kind: 'like', from: 'alice', to: 'r2' }),
      // Out of order, within the grace (minute 10:01 closes at 10:07; the watermark is 10:03).
      sent({ n: 4, at: '10:01:30', kind: 'like', from: 'carol', to: 'r1' }),
      // The same notification again: counted once.
      sent({ n: 1, at: '10:00:10', kind: 'like', from: 'alice', to: 'r1' }),
      sent({ n: 5, at: '10:09:00', kind: 'like', from: 'alice', to: 'r3' }),
      // Late for minute 10:02 (closed at 10:08 by the watermark 10:09), in time for the hour and the day.
      sent({ n: 6, at: '10:02:30', kind: 'mention', from: 'bob', to: 'r2' }),
      sent({ n: 13, at: '12:00:00', day: DAY2, kind: 'like', from: 'alice', to: 'r1' }),
    ],
    [
      sent({ n: 7, at: '10:00:20', kind: 'mention', from: 'carol', to: 'r3' }),
      sent({ n: 8, at: '10:05:10', kind: 'like', from: 'alice', to: 'r4' }),
      sent({ n: 9, at: '10:05:20', kind: 'system', from: null, to: 'r4' }),
      sent({ n: 14, at: '12:00:00', day: DAY2, kind: 'like', from: 'bob', to: 'r2' }),
    ],
    [
      sent({ n: 10, at: '10:59:30', kind: 'like', from: 'bob', to: 'r2' }),
      sent({ n: 11, at: '11:20:00', kind: 'like', from: 'alice', to: 'r1' }),
      // Late for minute 10:58 and for hour 10:00 (watermark 11:20), in time for the day.
      sent({ n: 12, at: '10:58:00', kind: 'mention', from: 'carol', to: 'r3' }),
      sent({ n: 15, at: '12:00:00', day: DAY2, kind: 'mention', from: 'carol', to: 'r3' }),
    ],
  ];
}

function activityPartitions() {
  const duplicated = activity('archived', 7, '10:06:30', 'mention');
  return [
    [
      activity('read', 1, '10:01:00', 'like'),
      activity('read', 2, '10:02:00', 'mention'),
      activity('unread', 1, '10:02:10', 'like'),
      // Read again: the first read counted.
      activity('read', 1, '10:02:20', 'like'),
      activity('archived', 3, '10:04:00', 'like'),
      activity('read', 4, '10:04:30', 'like'),
      activity('seen', 1, '12:00:00', 'like', undefined, DAY2),
    ],
    [
      activity('read', 7, '10:06:00', 'mention'),
      activity('read', 8, '10:20:00', 'like'),
      // Late for minute 10:06 (watermark 10:20), and delivered twice.
      duplicated,
      duplicated,
      activity('seen', 8, '12:00:00', 'like', undefined, DAY2),
    ],
    [activity('read', 10, '11:00:30', 'like'), activity('archived', 10, '11:01:00', 'like'), activity('seen', 10, '12:00:00', 'like', undefined, DAY2)],
  ];
}

export interface StreamTopics {
  topic: string;
  activityTopic: string;
}

/** Produces the stream (or its first or second half, each partition cut in the middle) to the topics, acks = all. */
export async function produceStatsStream(brokers: string[], topics: StreamTopics, part: 'all' | 'first' | 'second' = 'all') {
  created.clear();
  activityCount = 0;
  const notifications = notificationPartitions();
  const activities = activityPartitions();
  const cut = <T>(list: T[]) => (part === 'all' ? list : part === 'first' ? list.slice(0, Math.ceil(list.length / 2)) : list.slice(Math.ceil(list.length / 2)));
  const kafka = new Kafka({ brokers, clientId: 'stats-stream', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const messages = (partitions: { key: string; value: string }[][]) => partitions.flatMap((list, partition) => cut(list).map(({ key, value }) => ({ key, value, partition })));
    await producer.send({ topic: topics.topic, acks: -1, messages: messages(notifications) });
    await producer.send({ topic: topics.activityTopic, acks: -1, messages: messages(activities) });
  } finally {
    await producer.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// What the figures must be

interface Point {
  start: string;
  end: string;
  sent: number;
  read: number;
  archived: number;
  readRate: number | null;
  timeToReadMedianMs: number | null;
  timeToReadP90Ms: number | null;
  late: number;
  closed: boolean;
}

const SIZE = { MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 } as const;
type Window = keyof typeof SIZE;
/** Every partition's last event: the low watermark once the stream is in. */
const LOW_WATERMARK = time('12:00:00', DAY2).getTime();

/** What HdrHistogram (3 significant digits) says of these times, as the service keeps them. */
function quantilesOf(times: number[]) {
  if (times.length === 0) return { timeToReadMedianMs: null, timeToReadP90Ms: null };
  const histogram = build({ numberOfSignificantValueDigits: 3 });
  for (const ms of times) histogram.recordValue(ms);
  return { timeToReadMedianMs: histogram.getValueAtPercentile(50), timeToReadP90Ms: histogram.getValueAtPercentile(90) };
}

interface Figures {
  sent?: number;
  read?: number;
  archived?: number;
  late?: number;
  times?: number[];
}

function series(window: Window, from: Date, to: Date, figures: Record<string, Figures>): Point[] {
  const size = SIZE[window];
  const points: Point[] = [];
  for (let start = from.getTime(); start < to.getTime(); start += size) {
    const startIso = new Date(start).toISOString();
    const { sent = 0, read = 0, archived = 0, late = 0, times = [] } = figures[startIso] ?? {};
    points.push({
      start: startIso,
      end: new Date(start + size).toISOString(),
      sent,
      read,
      archived,
      readRate: sent === 0 ? null : read / sent,
      ...quantilesOf(times),
      late,
      closed: start + size + STATS_GRACE_MS <= LOW_WATERMARK,
    });
  }
  return points;
}

const m = (hhmm: string, day = DAY1) => `${day}T${hhmm}:00.000Z`;

interface SeriesQuery {
  window: Window;
  from: string;
  to: string;
  kind?: 'like' | 'mention';
}

interface RankingQuery {
  window: Window;
  at: string;
  by: 'SENDER' | 'RECIPIENT' | 'KIND';
  first?: number;
}

const SERIES: [SeriesQuery, Record<string, Figures>][] = [
  [
    { window: 'MINUTE', from: m('10:00'), to: m('11:30') },
    {
      [m('10:00')]: { sent: 3 },
      [m('10:01')]: { sent: 1, read: 1, times: [50_000] },
      [m('10:02')]: { read: 1, late: 1, times: [70_000] },
      [m('10:03')]: { sent: 1 },
      [m('10:04')]: { read: 1, archived: 1, times: [180_000] },
      [m('10:05')]: { sent: 2 },
      [m('10:06')]: { read: 1, late: 1, times: [340_000] },
      [m('10:09')]: { sent: 1 },
      [m('10:20')]: { read: 1, times: [890_000] },
      [m('10:58')]: { late: 1 },
      [m('10:59')]: { sent: 1 },
      [m('11:00')]: { read: 1, times: [60_000] },
      [m('11:01')]: { archived: 1 },
      [m('11:20')]: { sent: 1 },
    },
  ],
  [{ window: 'MINUTE', from: m('11:50', DAY2), to: m('12:02', DAY2) }, { [m('12:00', DAY2)]: { sent: 3 } }],
  [
    { window: 'HOUR', from: m('00:00'), to: m('00:00', DAY3) },
    {
      [m('10:00')]: { sent: 10, read: 5, archived: 2, late: 1, times: [50_000, 70_000, 180_000, 340_000, 890_000] },
      [m('11:00')]: { sent: 1, read: 1, archived: 1, times: [60_000] },
      [m('12:00', DAY2)]: { sent: 3 },
    },
  ],
  [
    { window: 'HOUR', from: m('09:00'), to: m('12:00'), kind: 'like' },
    { [m('10:00')]: { sent: 6, read: 3, archived: 1, times: [50_000, 180_000, 890_000] }, [m('11:00')]: { sent: 1, read: 1, archived: 1, times: [60_000] } },
  ],
  [{ window: 'HOUR', from: m('09:00'), to: m('12:00'), kind: 'mention' }, { [m('10:00')]: { sent: 3, read: 2, archived: 1, late: 1, times: [70_000, 340_000] } }],
  [
    { window: 'DAY', from: m('00:00'), to: m('00:00', DAY3) },
    { [m('00:00')]: { sent: 12, read: 6, archived: 3, times: [50_000, 70_000, 180_000, 340_000, 890_000, 60_000] }, [m('00:00', DAY2)]: { sent: 3 } },
  ],
];

const RANKINGS: [RankingQuery, { member: string; score: number }[]][] = [
  [{ window: 'HOUR', at: m('10:30'), by: 'SENDER' }, [{ member: 'alice', score: 4 }, { member: 'bob', score: 3 }, { member: 'carol', score: 2 }]],
  // Tied at the cut: r3 and r4 have 2 each; the first by member.
  [{ window: 'HOUR', at: m('10:00'), by: 'RECIPIENT', first: 3 }, [{ member: 'r1', score: 3 }, { member: 'r2', score: 3 }, { member: 'r3', score: 2 }]],
  [{ window: 'HOUR', at: m('10:59'), by: 'KIND' }, [{ member: 'like', score: 6 }, { member: 'mention', score: 3 }, { member: 'system', score: 1 }]],
  [{ window: 'HOUR', at: m('11:00'), by: 'SENDER' }, [{ member: 'alice', score: 1 }]],
  [{ window: 'DAY', at: m('18:00'), by: 'SENDER' }, [{ member: 'alice', score: 5 }, { member: 'bob', score: 3 }, { member: 'carol', score: 3 }]],
  [{ window: 'DAY', at: m('00:00'), by: 'RECIPIENT' }, [{ member: 'r1', score: 4 }, { member: 'r2', score: 3 }, { member: 'r3', score: 3 }, { member: 'r4', score: 2 }]],
  [{ window: 'DAY', at: m('00:00'), by: 'RECIPIENT', first: 2 }, [{ member: 'r1', score: 4 }, { member: 'r2', score: 3 }]],
  [{ window: 'MINUTE', at: m('10:00'), by: 'SENDER' }, [{ member: 'alice', score: 1 }, { member: 'bob', score: 1 }, { member: 'carol', score: 1 }]],
  [{ window: 'MINUTE', at: m('10:02'), by: 'SENDER' }, []],
  [{ window: 'DAY', at: m('12:00', DAY2), by: 'KIND' }, [{ member: 'like', score: 2 }, { member: 'mention', score: 1 }]],
];

const SERIES_QUERY = `query Series($window: StatsWindow!, $from: DateTime!, $to: DateTime!, $kind: NotificationKind) {
  statsSeries(window: $window, from: $from, to: $to, kind: $kind) { start end sent read archived readRate timeToReadMedianMs timeToReadP90Ms late closed }
}`;
const RANKING_QUERY = `query Ranking($window: StatsWindow!, $at: DateTime!, $by: StatsRankingBy!, $first: Int) {
  statsRanking(window: $window, at: $at, by: $by, first: $first) { member score }
}`;

const label = (query: SeriesQuery | RankingQuery) => Object.values(query).join(' ');

/** Every figure the stream must give, keyed by the query that reads it. */
export function expectedStatsFigures(): Record<string, unknown> {
  return Object.fromEntries([
    ...SERIES.map(([query, figures]) => [label(query), series(query.window, new Date(query.from), new Date(query.to), figures)]),
    ...RANKINGS.map(([query, entries]) => [label(query), entries]),
  ]);
}

/** The same figures as the API answers them (admin token). */
export async function readStatsFigures(url: string): Promise<Record<string, unknown>> {
  const entries: [string, unknown][] = [];
  for (const [query] of SERIES) entries.push([label(query), (await graphqlData<{ statsSeries: Point[] }>(url, SERIES_QUERY, { ...query })).statsSeries]);
  for (const [query] of RANKINGS) entries.push([label(query), (await graphqlData<{ statsRanking: unknown[] }>(url, RANKING_QUERY, { ...query })).statsRanking]);
  return Object.fromEntries(entries);
}

/** The first day's total once every event is in: what a test waits on before it compares everything. */
export async function statsStreamCounted(url: string): Promise<boolean> {
  const [day1, day2] = (await graphqlData<{ statsSeries: Point[] }>(url, SERIES_QUERY, { window: 'DAY', from: m('00:00'), to: m('00:00', DAY3) })).statsSeries;
  return day1?.sent === 12 && day1.read === 6 && day1.archived === 3 && day2?.sent === 3 && day1.closed;
}
