// End-to-end tests of sharing, embedding and exporting, in Debian's Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serve, launch, openApp, ARTIFACTS } from './harness.mjs';

let server;
let browser;

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  server = await serve();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Every replica drawn (under `scope`), sorted: what "the same state" compares. */
async function state(page, scope = '') {
  const replicas = await page.$$eval(`${scope} g.replica[data-topic]`, (els) =>
    els.map((e) => [e.dataset.topic, e.dataset.partition, e.dataset.broker, e.dataset.role,
      e.dataset.inIsr, e.dataset.leo, e.dataset.hw].join(' ')).sort());
  const brokers = await page.$$eval(`${scope} g[data-broker-id]`, (els) =>
    els.map((e) => `${e.dataset.brokerId} up=${e.dataset.up} live=${e.dataset.live}`).sort());
  const time = await page.getAttribute(`${scope} #cluster`, 'data-time');
  return { time, brokers, replicas };
}

test('a share link round trip: act, share, open the link, same state at the same time', async () => {
  const { page, errors } = await openApp(browser.context, `${server.url}?paused=1&t=800`);
  await page.fill('#produce-key', 'kunde 7: ä&ö');
  await page.fill('#produce-value', 'order #1');
  await page.click('#produce-send');
  for (let i = 0; i < 5; i++) await page.click('#step');
  await page.click('g[data-broker-id="2"]');
  await page.click('#broker-crash');
  // Play on (by steps, deterministic) until broker 2's replicas have left the ISR.
  for (let i = 0; i < 400; i++) {
    const out = await page.$$eval('g.replica[data-broker="2"][data-in-isr="true"]', (e) => e.length);
    if (out === 0) break;
    await page.click('#step');
  }
  const want = await state(page);
  assert.ok(want.brokers.includes('2 up=false live=false'), JSON.stringify(want.brokers));

  await page.keyboard.press('Tab'); // the Share button is a button: keyboard operable
  await page.focus('#share');
  await page.keyboard.press('Enter');
  const link = await page.inputValue('#share-url');
  assert.match(link, /\?v=1&seed=1&c=b:3;cp:kraft:3;/);
  assert.match(link, /&a=produce:kunde~207~3A~20~C3~A4~26~C3~B6:order~20~231:orders:all@800,crash:2@\d+/);
  assert.ok(link.length < 8192);
  await page.screenshot({ path: path.join(ARTIFACTS, 'share.png') });

  const loaded = await browser.context.newPage();
  const loadErrors = [];
  loaded.on('pageerror', (e) => loadErrors.push(String(e)));
  await loaded.goto(link);
  await loaded.waitForSelector('[data-broker-id]');
  const got = await state(loaded);
  assert.deepEqual(got, want);
  assert.equal(await loaded.getAttribute('#play', 'aria-pressed'), 'false', 'a shared session opens paused');
  assert.equal(await loaded.locator('#link-error').count(), 0);
  assert.deepEqual([...errors, ...loadErrors], []);
  await loaded.close();
  await page.close();
});

test('a hostile or broken link shows an error in words and the default cluster', async () => {
  const links = [
    ['?v=1&c=b:3;topic:<script>alert(1)</script>:3:3:2:0', /not 1 to 64 of the characters/],
    ['?v=1&c=b:3&a=explode:1@5', /not an action/],
    ['?v=1&c=b:99999999999999999999', /brokers/],
    [`?v=1&c=b:3&a=${'elect@1,'.repeat(1200)}`, /limited to 8192/],
    ['?v=7', /version/],
  ];
  for (const [query, want] of links) {
    const { page, errors } = await openApp(browser.context, server.url + query);
    const text = await page.textContent('#link-error');
    assert.match(text, /This link could not be opened/);
    assert.match(text, want);
    assert.equal(await page.locator('[data-broker-id]').count(), 3, 'the default cluster');
    await page.waitForFunction(() => document.querySelectorAll('g.replica[data-topic="orders"]').length === 9);
    assert.equal(await page.locator('script:text("alert")').count(), 0);
    if (query.includes('script')) await page.screenshot({ path: path.join(ARTIFACTS, 'hostile-link.png') });
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test('?embed=1: no config panel, a collapsed log, and it fits an 800x500 frame', async () => {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 800, height: 500 });
  await page.goto(`${server.url}?embed=1&preset=default&lesson=ignored-here`);
  await page.waitForSelector('[data-broker-id]');
  assert.equal(await page.locator('#config-apply').count(), 0);
  assert.equal(await page.locator('#produce-send').count(), 0);
  assert.equal(await page.locator('#share').count(), 0);
  assert.equal(await page.locator('#play').count(), 1);
  assert.equal(await page.locator('#step').count(), 1);
  assert.equal(await page.locator('#speed').count(), 1);
  assert.equal(await page.getAttribute('#log-collapsed', 'open'), null, 'the log starts collapsed');
  const size = await page.evaluate(() => ({
    sw: document.documentElement.scrollWidth, sh: document.documentElement.scrollHeight,
    w: innerWidth, h: innerHeight,
  }));
  assert.ok(size.sw <= size.w && size.sh <= size.h, JSON.stringify(size));
  await page.screenshot({ path: path.join(ARTIFACTS, 'embed.png') });
  await page.close();
});

test('the course page: two <kafka-cluster> instances work independently', async () => {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}www/course-example.html`);
  await page.waitForSelector('#first g[data-broker-id="2"]', { timeout: 20_000 });
  await page.waitForSelector('#second g[data-broker-id="2"]', { timeout: 20_000 });
  // The second runs in ZooKeeper mode, the first in KRaft.
  assert.equal(await page.getAttribute('#first g.coordinator', 'data-mode'), 'kraft');
  assert.equal(await page.getAttribute('#second g.coordinator', 'data-mode'), 'zookeeper');
  await page.evaluate(() => {
    window.heard = [];
    document.getElementById('first').addEventListener('kafka-broker', (e) => window.heard.push(e.detail));
  });
  await page.click('#first g[data-broker-id="2"]');
  await page.click('#first #broker-crash');
  await page.waitForSelector('#first g[data-broker-id="2"][data-up="false"]');
  await page.waitForFunction(() => window.heard.some((e) => e.broker === 2 && e.up === false));
  assert.equal(await page.getAttribute('#second g[data-broker-id="2"]', 'data-up'), 'true');
  // The handle: a command to the second instance only.
  await page.evaluate(() => document.getElementById('second').instance.send({ action: 'crash', node: 'broker-3' }));
  await page.waitForSelector('#second g[data-broker-id="3"][data-up="false"]');
  assert.equal(await page.getAttribute('#first g[data-broker-id="3"]', 'data-up'), 'true');
  const bad = await page.evaluate(() => {
    try { document.getElementById('second').instance.send({ action: 'explode' }); return 'no error'; } catch (e) { return e.message; }
  });
  assert.match(bad, /unknown action "explode"/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'course-example.png'), fullPage: true });
  // Removing an element destroys its instance; the other goes on.
  await page.evaluate(() => document.getElementById('first').remove());
  await page.waitForSelector('#second g[data-broker-id="1"]');
  assert.deepEqual(errors, []);
  await page.close();
});

test('Export SVG and Export trace download files', async () => {
  const { page, errors } = await openApp(browser.context, `${server.url}?paused=1&t=1500`);
  const [svgDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-svg')]);
  assert.match(svgDownload.suggestedFilename(), /^kafkascope-\d+ms\.svg$/);
  const svg = fs.readFileSync(await svgDownload.path(), 'utf8');
  assert.match(svg, /^<\?xml/);
  assert.match(svg, /<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /data-broker-id="3"/);
  assert.match(svg, /<g id="messages"/);
  assert.match(svg, /style="[^"]*fill:/, 'styles inlined');
  await page.focus('#export-trace');
  const [traceDownload] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  const trace = JSON.parse(fs.readFileSync(await traceDownload.path(), 'utf8'));
  assert.equal(trace.format, 'kafkascope-trace');
  assert.equal(trace.version, 1);
  assert.equal(trace.complete, true);
  assert.equal(trace.events[0].id, 0, 'the trace starts at the session\'s first line');
  assert.ok(trace.events.length > 0 && trace.events.every((e) => typeof e.time === 'number' && typeof e.text === 'string'));
  assert.match(trace.link, /^v=1&seed=1&/);
  assert.match(await page.textContent('#export-status'), /Saved the event trace/);
  assert.deepEqual(errors, []);
  await page.close();
});
