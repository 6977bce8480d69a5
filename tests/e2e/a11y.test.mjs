// Accessibility in the browser: axe-core on every page and state that matters, a keyboard-only
// path through the main interactions, the live region's announcements, reduced motion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openApp, watch, seriousViolations, ARTIFACTS, useBrowser, openExample, openEmbedHost } from './harness.mjs';

const env = useBrowser();

/** Fails with axe's words if the page (or `include`) has serious or critical violations. */
async function assertAccessible(page, what, include) {
  const v = await seriousViolations(page, include);
  assert.deepEqual(v, [], `${what}: ${JSON.stringify(v, null, 1)}`);
}

test('axe: the main page (default, a partition selected, after a crash, the config panel in use), also in the dark scheme and on a phone', async () => {
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?speed=400`);
  await page.waitForFunction(() => document.querySelectorAll('g.replica[data-topic="orders"][data-role="leader"]').length === 3);
  await assertAccessible(page, 'default');
  await page.selectOption('#partition-select', 'orders-0');
  await page.waitForSelector('#partition-rows');
  await assertAccessible(page, 'partition selected');
  // After a crash: the broker's menu open, the broker down, then a new leader.
  await page.click('g[data-broker-id="1"]');
  await page.click('#broker-crash');
  await page.waitForSelector('g[data-broker-id="1"][data-up="false"]');
  await assertAccessible(page, 'broker menu open, broker down');
  await page.waitForFunction(() => /elected broker \d+ leader/.test(document.querySelector('#event-log').textContent), null, { timeout: 30_000 });
  await assertAccessible(page, 'after the election');
  // The config panel with a group row and errors shown.
  await page.click('#config-add-group');
  await page.fill('#config-racks', 'a, b');
  await page.fill('#topic-0-name', 'bad name!');
  await page.click('#config-apply');
  await page.waitForSelector('#config-racks-error:not(:empty)');
  await assertAccessible(page, 'config panel with errors');
  // The dark scheme: the page declares none, so it must stay readable when one is asked for.
  await page.emulateMedia({ colorScheme: 'dark' });
  await assertAccessible(page, 'dark scheme');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 390, height: 844 });
  await assertAccessible(page, 'phone');
  assert.deepEqual(errors, []);
  await page.close();
});

test('axe: a lesson (start, a question, the end), the embedded frame, the example course page, mount() on a page', async () => {
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?lesson=unclean-leader-election&speed=1000`);
  await page.waitForSelector('#lesson-gate[data-kind="start"]');
  await assertAccessible(page, 'lesson start');
  await page.click('#lesson-continue');
  await page.waitForSelector('#lesson-gate[data-kind="question"]', { timeout: 30_000 });
  await assertAccessible(page, 'lesson question');
  await page.check('#lesson-choice-1');
  await page.click('#lesson-continue');
  await page.waitForSelector('#lesson-gate[data-kind="question"][data-at="19000"]', { timeout: 30_000 });
  await page.check('#lesson-choice-1');
  await page.click('#lesson-continue');
  await page.waitForSelector('#lesson-gate[data-kind="end"]', { timeout: 30_000 });
  await assertAccessible(page, 'lesson end');
  assert.deepEqual(errors, []);
  await page.close();

  const embed = await openApp(env.browser.context, `${env.server.url}?embed=1`);
  await embed.page.setViewportSize({ width: 800, height: 500 });
  await assertAccessible(embed.page, 'embed');
  await embed.page.click('#log-collapsed summary');
  await assertAccessible(embed.page, 'embed with the log open');
  assert.deepEqual(embed.errors, []);
  await embed.page.close();

  const { page: example, errors: exampleErrors } = await openExample(env.browser.context, env.server.url);
  await assertAccessible(example, 'example course page');
  assert.deepEqual(exampleErrors, []);
  await example.close();

  const { page: host, errors: hostErrors } = await openEmbedHost(env.browser.context, env.server.url);
  await host.evaluate(() => window.kafkascope.mount(document.getElementById('here'), { embed: true }));
  await host.waitForSelector('#here g[data-broker-id="3"]');
  await host.frameLocator('#frame').locator('g[data-broker-id="3"]').waitFor({ timeout: 20_000 });
  await assertAccessible(host, 'mount() and an iframe on a page');
  assert.deepEqual(hostErrors, []);
  await host.close();
});

/** Presses Tab (or Shift+Tab) until the focused element matches `selector`; fails after `max`. */
async function tabTo(page, selector, { back = false, max = 120 } = {}) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** Whether the focused element shows that it has the focus: an outline, or (a broker) its
 *  box drawn thicker in the accent colour. */
async function focusVisible(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || !el.matches(':focus-visible')) return `no :focus-visible on ${el?.outerHTML.slice(0, 80)}`;
    const box = el.querySelector(':scope > .broker-box');
    if (box) return getComputedStyle(box).strokeWidth === '3.5px' || `broker box ${getComputedStyle(box).strokeWidth}`;
    const cs = getComputedStyle(el);
    return (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) || `${el.id || el.localName}: outline ${cs.outlineStyle} ${cs.outlineWidth}`;
  });
}

async function focusedId(page) {
  return page.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute('data-broker-id') && `broker-${document.activeElement.getAttribute('data-broker-id')}`);
}

test('keyboard only: play and pause, step, send a keyed record, crash and restart a broker, pick a partition, change the config', async () => {
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?speed=400`);
  await page.waitForFunction(() => document.querySelectorAll('g.replica[data-topic="orders"][data-role="leader"]').length === 3);
  // Nothing is clicked below: Tab, Shift+Tab, Enter, Space, arrow keys and typing only.
  await tabTo(page, '#play');
  assert.equal(await focusVisible(page), true);
  await page.keyboard.press('Space');
  assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'false', 'Space paused');
  await tabTo(page, '#step');
  const t0 = Number(await page.getAttribute('#cluster', 'data-time'));
  await page.keyboard.press('Enter');
  await page.waitForFunction((t) => Number(document.querySelector('#cluster').dataset.time) > t, t0);
  await tabTo(page, '#play', { back: true });
  await page.keyboard.press('Enter');
  assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'true', 'Enter plays again');
  // The speed slider moves with the arrow keys.
  await tabTo(page, '#speed');
  const speed = await page.inputValue('#speed');
  await page.keyboard.press('ArrowRight');
  assert.notEqual(await page.inputValue('#speed'), speed);
  assert.equal(await focusVisible(page), true);

  // A keyed record.
  await tabTo(page, '#produce-key');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('customer-123');
  await tabTo(page, '#produce-send');
  assert.equal(await focusVisible(page), true);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#placement[data-partition="0"]');

  // Crash broker 2 and restart it.
  await tabTo(page, 'g[data-broker-id="2"]', { back: true });
  assert.equal(await focusVisible(page), true);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#broker-menu');
  await tabTo(page, '#broker-crash');
  assert.equal(await focusVisible(page), true);
  await page.keyboard.press('Enter');
  await page.waitForSelector('g[data-broker-id="2"][data-up="false"]');
  // The focus is back on the broker (or still in its menu): reach Restart from there.
  if (!(await page.evaluate(() => !!document.activeElement?.closest('#broker-menu')))) {
    await tabTo(page, 'g[data-broker-id="2"]', { back: true });
    await page.keyboard.press('Space');
  }
  await tabTo(page, '#broker-restart');
  await page.keyboard.press('Enter');
  await page.waitForSelector('g[data-broker-id="2"][data-up="true"]');
  // Escape closes the menu.
  if (await page.locator('#broker-menu').count()) {
    await page.keyboard.press('Escape');
    await page.waitForSelector('#broker-menu', { state: 'detached' });
  }

  // A partition: the select changes with the arrow keys.
  await tabTo(page, '#partition-select');
  assert.equal(await focusVisible(page), true);
  const options = await page.$$eval('#partition-select option', (os) => os.map((o) => o.value));
  const next = options[options.indexOf(await page.inputValue('#partition-select')) + 1];
  await page.keyboard.press('ArrowDown');
  await page.waitForSelector(`#partition-rows[data-tp="${next}"]`);
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowDown');
  await page.waitForSelector(`#partition-rows[data-tp="${next}"]`);

  // The config: four brokers.
  await tabTo(page, '#config-brokers');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('4');
  await tabTo(page, '#config-apply');
  assert.equal(await focusVisible(page), true);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('[data-broker-id]').length === 4);
  await page.screenshot({ path: path.join(ARTIFACTS, 'keyboard.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('keyboard only: a lesson question answered with Tab, Space and the arrow keys', async () => {
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?lesson=partitions-and-keys&speed=1000`);
  await page.waitForSelector('#lesson-gate[data-kind="start"]');
  await tabTo(page, '#lesson-continue');
  assert.equal(await focusVisible(page), true);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#lesson-gate[data-kind="question"]', { timeout: 20_000 });
  await page.waitForFunction(() => document.activeElement?.id === 'lesson-gate');
  await tabTo(page, '#lesson-choice-0');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Space');
  assert.equal(await page.$eval('#lesson-choice-0', (e) => e.checked), true);
  await tabTo(page, '#lesson-continue');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#lesson-answers li[data-question="0"]');
  await page.waitForSelector('#lesson-gate[data-kind="question"]:not([data-at="500"])', { timeout: 20_000 });
  assert.equal(await page.getAttribute('#lesson-answers li[data-question="0"]', 'data-correct'), 'true');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the live region: brief, throttled announcements of crashes and elections, not a flood; the log is not live', async () => {
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?speed=400`);
  assert.equal(await page.getAttribute('#event-log', 'aria-live'), null, 'the event log is not a live region');
  const region = await page.$eval('#announcer', (e) => ({
    role: e.getAttribute('role'), live: e.getAttribute('aria-live'), atomic: e.getAttribute('aria-atomic'),
    w: e.getBoundingClientRect().width, h: e.getBoundingClientRect().height,
  }));
  assert.deepEqual({ ...region, w: region.w <= 1, h: region.h <= 1 }, { role: 'status', live: 'polite', atomic: 'true', w: true, h: true });
  // Record what the region says, and how many lines the log gets meanwhile.
  await page.evaluate(() => {
    window.said = [];
    window.logLines = 0;
    new MutationObserver(() => window.said.push({ at: performance.now(), text: document.querySelector('#announcer').textContent }))
      .observe(document.querySelector('#announcer'), { childList: true, characterData: true, subtree: true });
    new MutationObserver((ms) => { for (const m of ms) window.logLines += m.addedNodes.length; })
      .observe(document.querySelector('#event-log'), { childList: true });
  });
  const start = await page.evaluate(() => performance.now());
  // Two records and a crash of the leader of orders-0, then its failover.
  await page.click('#produce-send');
  await page.click('#produce-send');
  const leader = await page.$eval('g.replica[data-topic="orders"][data-partition="0"][data-role="leader"]', (e) => e.dataset.broker);
  await page.click(`g[data-broker-id="${leader}"]`);
  await page.click('#broker-crash');
  await page.waitForFunction((b) => window.said.some((s) => s.text.includes(`broker ${b} crashed`)), leader, { timeout: 10_000 });
  await page.waitForFunction(() => window.said.some((s) => /broker \d+ leads orders-0 \(epoch 1\)/.test(s.text) || /more events? in the event log/.test(s.text)), null, { timeout: 30_000 });
  await page.waitForTimeout(2500);
  const { said, logLines, end } = await page.evaluate(() => ({ said: window.said.filter((s) => s.text), logLines: window.logLines, end: performance.now() }));
  const texts = said.map((s) => s.text);
  // Concise: short sentences; throttled: at most one every 2 s (plus the first).
  assert.ok(texts.every((t) => t.length <= 300), JSON.stringify(texts));
  for (let i = 1; i < said.length; i++) assert.ok(said[i].at - said[i - 1].at >= 1900, `two announcements ${Math.round(said[i].at - said[i - 1].at)} ms apart`);
  assert.ok(said.length <= Math.ceil((end - start) / 2000) + 1, `${said.length} announcements in ${Math.round(end - start)} ms`);
  assert.ok(logLines > said.length, `the log grew by ${logLines} lines, the region spoke ${said.length} times`);
  assert.ok(texts.some((t) => /fenced|leads orders-|ISR of orders-/.test(t)), JSON.stringify(texts));
  // Records sent are not announced (the log has them).
  assert.ok(!texts.some((t) => /customer-123|acknowledged/.test(t)), JSON.stringify(texts));
  // A seek is not news: scrubbing back says nothing.
  const before = said.length;
  await page.$eval('#timeline', (e) => { e.value = '500'; e.dispatchEvent(new Event('input', { bubbles: true })); });
  await page.waitForTimeout(2500);
  assert.equal(await page.evaluate(() => window.said.filter((s) => s.text).length), before, 'nothing said after a seek');
  assert.deepEqual(errors, []);
  await page.close();
});

test('reduced motion: messages are drawn as still links, nothing glides or transitions; the app follows a change of the setting', async () => {
  const page = await env.browser.context.newPage();
  const errors = watch(page);
  await page.emulateMedia({ reducedMotion: 'reduce' });
  // 0.1x: a 40 ms link takes 400 ms to cross, so a message is seen twice below.
  await page.goto(`${env.server.url}?speed=10`);
  await page.waitForSelector('[data-broker-id]');
  await page.waitForSelector('#messages .msg-link', { timeout: 10_000 });
  assert.equal(await page.$eval('#cluster', (e) => e.classList.contains('reduced-motion')), true);
  assert.equal(await page.locator('#messages .msg:not(.dropped)').count(), 0, 'no moving dots');
  assert.equal(await page.locator('.in-flight-list').count(), 1, 'the messages are listed in words too');
  // A message drawn is not moved while it is in flight: its letter stays where it was drawn.
  // The wire is bursty (a follower's fetch waits at its leader for up to 500 ms, 5 s here,
  // with nothing on the wire), so look again until some message is there both times (at most
  // 60 tries of 100 ms).
  const links = () => page.$$eval('#messages .msg-link', (ls) => ls.map((l) => [l.dataset.api + l.dataset.from + l.dataset.to, l.querySelector('g').getAttribute('transform')]));
  let both = [];
  for (let i = 0; i < 60 && both.length === 0; i++) {
    const spots = await links();
    await page.waitForTimeout(100);
    const later = new Map(await links());
    both = spots.filter(([k]) => later.has(k)).map(([k, t]) => [k, t, later.get(k)]);
  }
  assert.ok(both.length > 0, 'a message still in flight 100 ms later');
  for (const [k, t, then] of both) assert.equal(then, t, `${k} did not move`);
  // No CSS transition or animation anywhere.
  const moving = await page.evaluate(() => [...document.querySelectorAll('*')].filter((e) => {
    const cs = getComputedStyle(e);
    return parseFloat(cs.transitionDuration) > 0 || (cs.animationName !== 'none' && parseFloat(cs.animationDuration) > 0);
  }).map((e) => e.localName + (e.id ? `#${e.id}` : '')));
  assert.deepEqual(moving, []);
  await page.screenshot({ path: path.join(ARTIFACTS, 'reduced-motion.png') });
  // The setting changes while the page is open: the dots come back, and they move. (Still at
  // 0.1x: a dot seen is on the wire for up to 400 ms.)
  await page.emulateMedia({ reducedMotion: 'no-preference' });
  const dots = () => [...document.querySelectorAll('#messages .msg:not(.dropped)')].map((d) => d.getAttribute('transform')).join('|');
  const a = await (await page.waitForFunction(dots, null, { timeout: 10_000 })).jsonValue();
  assert.equal(await page.$eval('#cluster', (e) => e.classList.contains('reduced-motion')), false);
  await page.waitForTimeout(200);
  assert.notEqual(await page.evaluate(dots), a, 'without reduced motion the dots move');
  assert.deepEqual(errors, []);
  await page.close();
});

test('keyboard: arrow keys look through the Lesson select without opening each lesson; Enter opens the one shown, leaving puts the current one back', async () => {
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?lesson=kraft-mode`);
  await page.waitForSelector('#lesson-panel[data-lesson="kraft-mode"]');
  const url = page.url();
  await page.focus('#lesson-select');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  const shown = await page.$eval('#lesson-select', (s) => s.value);
  assert.notEqual(shown, 'kraft-mode');
  await page.waitForTimeout(500);
  assert.equal(await page.getAttribute('#lesson-panel', 'data-lesson'), 'kraft-mode', 'still the lesson opened');
  assert.equal(page.url(), url);
  // Leaving without Enter: the select names the lesson shown again.
  await page.keyboard.press('Tab');
  assert.equal(await page.$eval('#lesson-select', (s) => s.value), 'kraft-mode');
  // Arrow, then Enter: that lesson opens.
  await page.focus('#lesson-select');
  await page.keyboard.press('ArrowUp');
  const chosen = await page.$eval('#lesson-select', (s) => s.value);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`#lesson-panel[data-lesson="${chosen}"]`);
  assert.equal(new URL(page.url()).searchParams.get('lesson'), chosen);
  assert.deepEqual(errors, []);
  await page.close();
});
