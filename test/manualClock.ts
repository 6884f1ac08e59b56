import type { Clock } from '../src/platform/clock';

interface Timer {
  at: number;
  order: number;
  callback: () => void;
}

/** A clock that moves only when the test says so; timers due on the way run in order. */
export class ManualClock implements Clock {
  private time: number;
  private timers: Timer[] = [];
  private scheduled = 0;

  constructor(start = Date.now()) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  after(ms: number, callback: () => void): () => void {
    const timer = { at: this.time + Math.max(0, ms), order: this.scheduled++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Moves the time `ms` forward, running every timer that falls due, including those scheduled on the way. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.callback();
    }
    this.time = end;
  }

  /** How many timers wait to fall due. */
  get pending(): number {
    return this.timers.length;
  }
}
