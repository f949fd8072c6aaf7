import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (installed by .ci/setup.d/20-chromium.sh). */
export const CHROMIUM = '/usr/bin/chromium';

// Without the background-networking flags Chromium floods the closed network with refused connections.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];

/** One headless Chromium with a fresh user-data dir, shared by the tests of a file. */
export interface TestBrowser {
  context: BrowserContext;
  /** A new tab that records console errors, CSP violations and every request's URL. */
  newPage(): Promise<WatchedPage>;
  close(): Promise<void>;
}

export interface WatchedPage {
  page: Page;
  /** URLs the page requested (any origin). */
  requests: string[];
  /** `console.error` lines (CSP violations among them) and uncaught page errors. */
  errors: string[];
}

export async function launchBrowser(): Promise<TestBrowser> {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'statevisor-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 860 },
    timeout: 30_000,
  });
  context.setDefaultTimeout(15_000);
  return {
    context,
    newPage: async () => {
      const page = await context.newPage();
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('console', (m) => {
        // Error statuses the page expects and handles (a wrong token, 404 probes) are logged by Chromium as "Failed to load resource".
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      // Any alert() would mean an injected script ran.
      page.on('dialog', (d) => {
        errors.push(`dialog: ${d.message()}`);
        void d.dismiss();
      });
      return { page, requests, errors };
    },
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Signs in on the dashboard at `url` (its `/ui/` address) and waits for the live stream. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('token-input').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-testid="live-state"][data-state="live"]').waitFor();
}

/**
 * Where the tests' screenshots go. `npm run screenshots` (STATEVISOR_UPDATE_SCREENSHOTS=1) writes
 * them into docs/images, committed (the README shows one); an ordinary test run writes them to a
 * temporary folder, so running the suite never rewrites tracked files.
 */
export const SCREENSHOTS =
  process.env.STATEVISOR_UPDATE_SCREENSHOTS === '1' ? path.resolve(import.meta.dirname, '../../docs/images') : path.join(tmpdir(), 'statevisor-dashboard-screenshots');
