import { describe, expect, it } from 'vitest';
import type { PartitionPosition } from '../../src/stats/ports.js';
import { rebuildStart, replayDone, rewindPlan } from '../../src/stats/rebuild.js';

const at = (iso: string) => new Date(iso);
const position = (partition: number, nextOffset: string | null, watermark: string | null, replay: PartitionPosition['replay'] = null): PartitionPosition => ({
  topic: 't',
  partition,
  nextOffset,
  watermark: watermark === null ? null : at(watermark),
  replay,
});

describe('the rebuild plan', () => {
  it('starts at the UTC day of the date, the largest window', () => {
    expect(rebuildStart(at('2025-03-01T10:30:00Z'))).toEqual(at('2025-03-01T00:00:00Z'));
  });

  it('moves each counted partition back to the offset at the date, replaying up to where it was with its old watermark kept for then', () => {
    const plan = rewindPlan(at('2025-03-01T10:30:00Z'), [
      { topic: 't', partition: 0, offset: '4' },
      { topic: 't', partition: 1, offset: '9' },
      { topic: 't', partition: 2, offset: '0' },
    ]);
    const { from, positions } = plan([position(0, '10', '2025-03-02T12:00:00Z'), position(1, '9', '2025-03-01T08:00:00Z')]);
    expect(from).toEqual(at('2025-03-01T00:00:00Z'));
    expect(positions).toEqual([
      // Counted up to 10: read again from 4, the watermark from nothing, back to its old value at 10.
      position(0, '4', null, { until: '10', from, resumeWatermark: at('2025-03-02T12:00:00Z') }),
      // Nothing counted after the date's offset: left as it is.
      position(1, '9', '2025-03-01T08:00:00Z'),
      // Never counted: the consumer starts where it would have.
      position(2, null, null),
    ]);
  });

  it('goes on from the earlier date when a rebuild is still replaying, with the watermark it resumes to', () => {
    const replaying = position(0, '6', '2025-03-01T09:00:00Z', { until: '10', from: at('2025-02-28T00:00:00Z'), resumeWatermark: at('2025-03-02T12:00:00Z') });
    const { from, positions } = rewindPlan(at('2025-03-01T10:30:00Z'), [{ topic: 't', partition: 0, offset: '2' }])([replaying]);
    expect(from).toEqual(at('2025-02-28T00:00:00Z'));
    expect(positions).toEqual([position(0, '2', null, { until: '10', from, resumeWatermark: at('2025-03-02T12:00:00Z') })]);
    expect(replayDone(positions)).toBe(false);
    expect(replayDone([position(0, '10', null)])).toBe(true);
  });
});
