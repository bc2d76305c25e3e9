// GraphiQL as a person uses it: a real Chromium opens the gateway's /graphql, finds the
// default query already in the editor, presses run and sees data from two sources.
// The page must work offline (its assets are inline, not from a CDN).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { SOURCES, gatewayFor, startWorld, type World } from '../core/fixtures.ts';
import type { Gateway } from '../../src/gateway.ts';

const CHROMIUM = '/usr/bin/chromium';
let world: World;
let gateway: Gateway;
let browser: Browser;
let url: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (.ci/run does)`);
  world = await startWorld();
  gateway = await gatewayFor(
    world,
    `${SOURCES}
tributary:
  links:
    - { field: Ticket.assignee, target: agentsByIds, key: assigneeId, keysArg: ids }
`,
  );
  ({ url } = await gateway.listen({ port: 0, host: '127.0.0.1' }));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await world?.close();
});

it('opens GraphiQL with a default query that runs and shows data from both sources', async () => {
  const page = await browser.newPage();
  const failed: string[] = [];
  page.on('requestfailed', (r) => failed.push(r.url()));
  await page.goto(url);
  await page.waitForSelector('.graphiql-container', { timeout: 30_000 });
  const editor = page.locator('.graphiql-query-editor');
  await expect.poll(async () => editor.innerText(), { timeout: 30_000 }).toContain('tickets');
  await page.locator('.graphiql-execute-button').click();
  const result = page.locator('.graphiql-response');
  await expect.poll(async () => result.innerText(), { timeout: 30_000 }).toContain('"assignee"');
  await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/tributary-graphiql.png` });
  // CodeMirror renders with non-breaking and zero-width characters; compare plain text.
  const text = (await result.innerText()).replace(/[^\x20-\x7e\n]/g, ' ').replace(/\s+/g, ' ');
  expect(text).toContain('"tickets"');
  expect(text).toContain('"assignee": { "id": "1", "name": "Agent 1"');
  expect(text).not.toContain('"errors"');
  expect(failed.filter((u) => !u.startsWith(url.replace(/\/graphql$/, '')))).toEqual([]);
});

it('runs a query with @defer from GraphiQL: the answer comes as multipart/mixed and shows the deferred data merged', async () => {
  const page = await browser.newPage();
  const query = '{ tickets(limit: 2) { id ... @defer(label: "who") { assignee { id name } } } }';
  const answers: Array<string | undefined> = [];
  page.on('response', (r) => {
    if (r.request().method() === 'POST' && r.url() === url) answers.push(r.headers()['content-type']);
  });
  // Yoga's GraphiQL takes the editor's text from `?query=`, as a shared link would.
  await page.goto(`${url}?query=${encodeURIComponent(query)}`);
  await page.waitForSelector('.graphiql-container', { timeout: 30_000 });
  await expect.poll(async () => page.locator('.graphiql-query-editor').innerText(), { timeout: 30_000 }).toContain('@defer');
  await page.locator('.graphiql-execute-button').click();
  const result = page.locator('.graphiql-response');
  await expect.poll(async () => result.innerText(), { timeout: 30_000 }).toContain('"assignee"');
  await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/tributary-graphiql-defer.png` });
  const text = (await result.innerText()).replace(/[^\x20-\x7e\n]/g, ' ').replace(/\s+/g, ' ');
  expect(text).toContain('"assignee": { "id": "2", "name": "Agent 2"');
  expect(text).not.toContain('"errors"');
  expect(answers.some((type) => type?.startsWith('multipart/mixed'))).toBe(true);
});
