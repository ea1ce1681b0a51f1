/**
 * When a job whose work falls due at known times runs (the snooze wake-up, the digest closer):
 * every `intervalMs`, and at the nearest due time it knows of when that falls before the next
 * check. A run answers the nearest time it saw (the store's, of any instance) and the scheduler
 * arms a timer for it; `arm` adds one known here first (a snooze just made). So work is done
 * within milliseconds of its time when this instance knew of it before, and within one interval
 * otherwise (made on another instance after this one's last check).
 *
 * Runs never overlap, and a run asked for during one happens once after it: a burst of timers
 * and checks costs two runs, not one each.
 */

export interface DueSchedulerOptions {
  intervalMs: number;
  now: () => Date;
  /**
   * Does what is due now; answers the nearest time more falls due (null: none known). It handles
   * its own failures (logs them, answers null): the next check tries again.
   */
  run: () => Promise<Date | null>;
}

export interface DueScheduler {
  /** A run now (after the one in progress, if any). */
  runNow(): Promise<void>;
  /** A run at `due`, if that is before the next check; later ones are the checks' to find. */
  arm(due: Date): void;
  start(): void;
  /** No more runs; resolves once the one in progress is done. */
  stop(): Promise<void>;
}

export function createDueScheduler({ intervalMs, now, run }: DueSchedulerOptions): DueScheduler {
  let interval: NodeJS.Timeout | undefined;
  let alarm: NodeJS.Timeout | undefined;
  let alarmAt: number | undefined;
  let started = false;
  let running: Promise<void> | null = null;
  let again = false;

  function runNow(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          const next = await run();
          if (next) arm(next);
        } while (again && started);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  /** Only the nearest time is armed: a later one is found by the run it triggers. */
  function arm(due: Date): void {
    if (!started) return;
    const delay = due.getTime() - now().getTime();
    if (delay > intervalMs) return;
    if (alarmAt !== undefined && alarmAt <= due.getTime()) return;
    clearTimeout(alarm);
    alarmAt = due.getTime();
    // One millisecond past the time, so the row is due when the statement compares.
    alarm = setTimeout(() => {
      alarmAt = undefined;
      void runNow();
    }, Math.max(0, delay) + 1);
    alarm.unref();
  }

  return {
    runNow,
    arm,
    start() {
      if (started) return;
      started = true;
      void runNow();
      interval = setInterval(() => void runNow(), intervalMs);
      interval.unref();
    },
    async stop() {
      started = false;
      clearInterval(interval);
      clearTimeout(alarm);
      alarmAt = undefined;
      await running;
    },
  };
}
