import { IntrusiveList } from './list.js';
import type { JobRecord } from './record.js';

/**
 * Keeps finished job records for `status()`/`list()`, at most `count` of them and none older than
 * `ageMs` (checked whenever a record is added or the runner is listed, so no timer is needed).
 * Memory stays bounded whatever the number of jobs ever run. @internal
 *
 * @example
 * ```ts
 * const retention = new Retention(1_000, 60_000, (rec) => rec.scope.jobs.delete(rec.id));
 * retention.add(rec, Date.now());
 * ```
 */
export class Retention {
  readonly #list = new IntrusiveList<JobRecord>();

  constructor(
    readonly count: number,
    readonly ageMs: number,
    /** Called for each record dropped, to forget it elsewhere. */
    readonly onEvict: (rec: JobRecord) => void,
  ) {}

  get size(): number {
    return this.#list.size;
  }

  add(rec: JobRecord, now: number): void {
    this.#list.push(rec);
    this.evict(now);
  }

  /** Forgets `rec` without calling `onEvict` (its id was reused). */
  remove(rec: JobRecord): void {
    this.#list.remove(rec);
  }

  /** Drops records beyond `count` and older than `ageMs`, oldest first. */
  evict(now: number): void {
    const list = this.#list;
    while (list.size > this.count || (list.head !== undefined && (list.head.finishedAt ?? now) + this.ageMs < now)) {
      this.onEvict(list.shift() as JobRecord);
    }
  }
}
