import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, dashboardAssets, dashboardReply, isDashboardPath, lifecycleChart, PUBLIC_DIR } from '../../src/dashboard/index.js';
import { accountTaskMachine } from '../../src/machines/accountTask.js';

describe('dashboard files and routes (no browser)', () => {
  it('weighs at most 100 KB gzip in all, and builds no markup from strings', () => {
    let raw = 0;
    let gzip = 0;
    for (const [name, asset] of dashboardAssets()) {
      raw += Buffer.byteLength(asset.body);
      gzip += gzipSync(asset.body, { level: 9 }).length;
      // Values reach the page only as text nodes and attributes (src/dashboard/public/dom.js).
      if (name.endsWith('.js')) expect(asset.body, name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    }
    console.log(`dashboard page weight: ${dashboardAssets().size} files, ${(raw / 1024).toFixed(1)} KB raw, ${(gzip / 1024).toFixed(1)} KB gzip`);
    expect(gzip).toBeLessThanOrEqual(100 * 1024);
  });

  it('index.html loads only relative URLs, no inline script or style', () => {
    const html = readFileSync(path.join(PUBLIC_DIR, 'index.html'), 'utf8');
    for (const [, url] of html.matchAll(/(?:src|href)="([^"]*)"/g)) expect(url).toMatch(/^[a-z0-9.-]+\.(js|css|svg)$/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/<style|style=/);
  });

  it('routes: / and /ui redirect relatively, known files only, GET and HEAD only', () => {
    expect(['/', '/ui', '/ui/', '/ui/app.js'].every(isDashboardPath)).toBe(true);
    expect(['/v1/accounts', '/uix', '/health'].some(isDashboardPath)).toBe(false);
    expect(dashboardReply('GET', '/').headers).toMatchObject({ Location: 'ui/' });
    expect(dashboardReply('GET', '/ui').headers).toMatchObject({ Location: 'ui/' });
    const index = dashboardReply('GET', '/ui/');
    expect(index.status).toBe(200);
    expect(index.text?.contentType).toBe('text/html; charset=utf-8');
    expect(index.headers['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(dashboardReply('GET', '/ui/../package.json').status).toBe(404);
    expect(dashboardReply('GET', '/ui/public/app.js').status).toBe(404);
    expect(dashboardReply('POST', '/ui/').status).toBe(405);
  });

  it('the lifecycle chart is read from the task machine, with the supervisor states around it', () => {
    const chart = lifecycleChart();
    const taskStates = Object.keys(accountTaskMachine.root.states);
    expect(chart.states.filter((s) => s.layer === 'task').map((s) => s.key)).toEqual(taskStates);
    expect(chart.states.filter((s) => s.layer === 'slot').map((s) => s.key)).toEqual(['backoff', 'suspended', 'disabled']);
    expect(chart.initial).toBe('loading');
    // Every transition of the machine that changes state is drawn (the delays by their name).
    for (const node of Object.values(accountTaskMachine.root.states)) {
      for (const [event, list] of node.transitions) {
        for (const t of list) {
          for (const target of t.target ?? []) {
            if (target.key === node.key) continue;
            const drawn = chart.transitions.filter((x) => x.from === node.key && x.to === target.key && x.layer === 'task');
            expect(drawn.length, `${node.key} --${event}--> ${target.key}`).toBeGreaterThan(0);
          }
        }
      }
    }
    for (const t of chart.transitions) {
      expect(chart.states.map((s) => s.key)).toContain(t.from);
      expect(chart.states.map((s) => s.key)).toContain(t.to);
    }
  });
});
