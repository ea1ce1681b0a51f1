/**
 * The figures of the stats consumer, for admin service tokens: a series of windows (sent, read,
 * archived, read rate, time to read, late, closed) and a window's ranking of senders, recipients
 * or kinds. What each figure means is said in the README ("Live analytics").
 */
import type { NotificationKind } from '../notifications/notification.js';
import { RANKING_DIMENSIONS, type RankingDimension, type RankingEntry } from '../stats/ports.js';
import { RANKING_FIRST_DEFAULT, RANKING_FIRST_MAX, SERIES_POINTS_MAX, type SeriesPoint } from '../stats/queries.js';
import { GRANULARITIES, type Granularity } from '../windows.js';
import { builder } from './builder.js';
import { upperCaseValues } from './enum-values.js';
import { NotificationKindRef } from './notification.js';

export const StatsWindowRef = builder.enumType('StatsWindow', {
  description: 'A tumbling window on event time, in UTC.',
  values: upperCaseValues<Granularity>(GRANULARITIES),
});

const StatsRankingByRef = builder.enumType('StatsRankingBy', {
  description: 'What a ranking counts notifications sent by.',
  values: upperCaseValues<RankingDimension>(RANKING_DIMENSIONS, { sender: 'Senders (SYSTEM notifications have none).', recipient: 'Recipients.', kind: 'Kinds.' }),
});

export const StatsPointRef = builder.objectRef<SeriesPoint>('StatsPoint').implement({
  description: "One window's figures (of one kind, or of all).",
  fields: (t) => ({
    start: t.field({ type: 'DateTime', resolve: (p) => p.start }),
    end: t.field({ type: 'DateTime', resolve: (p) => p.end }),
    sent: t.exposeInt('sent', { description: 'Notification events whose time (createdAt) falls in the window, each notification id once.' }),
    read: t.exposeInt('read', { description: 'Notifications first read in the window (a read, unread and read again counts once).' }),
    archived: t.exposeInt('archived', { description: 'Notifications first archived in the window.' }),
    readRate: t.exposeFloat('readRate', { nullable: true, description: 'read / sent of this window; null when nothing was sent in it. Reads of notifications sent earlier count too, so it may pass 1.' }),
    timeToReadMedianMs: t.exposeFloat('timeToReadMedianMs', { nullable: true, description: 'Median of read time − creation time over the reads of the window (HdrHistogram, within 0.1 %); null without reads.' }),
    timeToReadP90Ms: t.exposeFloat('timeToReadP90Ms', { nullable: true, description: '90th percentile of the same.' }),
    late: t.exposeInt('late', { description: 'Events of this window that came after it closed on their partition (later than the grace): not in the figures above.' }),
    closed: t.exposeBoolean('closed', { description: "Every partition's watermark has passed the window's end plus the grace: its figures no longer change." }),
  }),
});

const StatsRankingEntryRef = builder.objectRef<RankingEntry>('StatsRankingEntry').implement({
  fields: (t) => ({
    member: t.exposeString('member', { description: 'A user id, or a kind in lower case.' }),
    score: t.exposeInt('score', { description: 'Notifications sent in the window.' }),
  }),
});

builder.queryFields((t) => ({
  statsSeries: t.field({
    type: [StatsPointRef],
    description: `Every window from the one holding \`from\` up to \`to\` (exclusive), zero-filled, oldest first; at most ${SERIES_POINTS_MAX}. Admin service tokens only.`,
    args: {
      window: t.arg({ type: StatsWindowRef, required: true }),
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      kind: t.arg({ type: NotificationKindRef, description: 'One kind only; all kinds when left out.' }),
    },
    authScopes: { admin: true },
    resolve: (_root, args, ctx) => ctx.stats.series(args.window, args.from, args.to, (args.kind ?? null) as NotificationKind | null),
  }),
  statsRanking: t.field({
    type: [StatsRankingEntryRef],
    description: `The top members of the window holding \`at\`, by notifications sent, then by member; \`first\` up to ${RANKING_FIRST_MAX}. Admin service tokens only.`,
    args: {
      window: t.arg({ type: StatsWindowRef, required: true }),
      at: t.arg({ type: 'DateTime', required: true }),
      by: t.arg({ type: StatsRankingByRef, required: true }),
      first: t.arg.int({ defaultValue: RANKING_FIRST_DEFAULT }),
    },
    authScopes: { admin: true },
    resolve: (_root, args, ctx) => ctx.stats.ranking(args.window, args.at, args.by, args.first ?? RANKING_FIRST_DEFAULT),
  }),
}));

