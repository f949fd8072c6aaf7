import type { SettingsSchema } from '../../src/index.js';

/**
 * A settings schema that validates asynchronously and holds every check of settings with `hold`
 * open until `release()`: a command the test keeps inside the account's queue.
 *
 * @example
 * ```ts
 * const h = holdingSchema();
 * const updating = sup.update('a', { settings: { hold: true } });
 * await h.held(1); // the update is inside the queue now
 * h.release();
 * ```
 */
export function holdingSchema(): { schema: SettingsSchema; release: () => void; held: (n: number) => Promise<void> } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let holding = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const schema: SettingsSchema = {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: async (value: unknown) => {
        if ((value as { hold?: unknown }).hold) {
          holding += 1;
          for (const w of waiters.filter((x) => x.n <= holding)) w.resolve();
          await gate;
        }
        return { value };
      },
    },
  };
  const held = (n: number) => (holding >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })));
  return { schema, release, held };
}
