// Browser security and robustness: the pages under a strict Content-Security-Policy, and
// hostile input (markup, script, huge and unusual unicode strings) shown as text everywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openApp, ARTIFACTS, CSP, useBrowser, openExample, openEmbedHost } from './harness.mjs';

// Every response carries the policy as a header too (the pages also carry it in a meta).
const env = useBrowser({ csp: true });

// Payloads: each would run script or make an element if it were ever parsed as markup.
const IMG = '<img src=x onerror="window.__pwned=1">';
const SCRIPT = '<script>window.__pwned=2</script>';
const SVG = '<svg onload="window.__pwned=3"></svg>';
const UNICODE = 'مرحبا\u202Eabc\u202C 👩‍💻🚀 Z\u0334\u0321a\u0337l\u0336g\u0338o \u200Bzero\u200Dwidth\uFEFF';
const HUGE = 'k'.repeat(100_000);
// An override left open: quoted in a log line, it must not turn the rest of the line around.
const RLO = 'evil\u202Ereversed';

/** How the log quotes a user's string: as it is, or inside a first-strong isolate (U+2068 ...
 *  U+2069) when it holds bidi formatting characters. */
function quoted(s) {
  return /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/.test(s) ? `\u2068${s}\u2069` : s;
}

/** Everything that shows the payloads did nothing: no element made from them (in the page
 *  and in open shadow roots), no script run. */
async function untouched(page) {
  return page.evaluate(() => {
    const all = [];
    const walk = (root) => {
      for (const el of root.querySelectorAll('*')) {
        all.push(el);
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(document);
    return {
      pwned: window.__pwned ?? null,
      img: all.filter((e) => e.localName === 'img').length,
      inlineScripts: all.filter((e) => e.localName === 'script' && !e.src).length,
      onAttributes: all.flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${e.localName}[${a.name}]`)),
      svgOutsideApp: all.filter((e) => e.localName === 'svg' && !e.closest('.app')).length,
    };
  });
}

const CLEAN = { pwned: null, img: 0, inlineScripts: 0, onAttributes: [], svgOutsideApp: 0 };

test('CSP: the app, a lesson, the example page and both embeddings run with no violation', async () => {
  // The policy is on every page, as a header and as a meta element.
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?speed=1000`);
  const response = await page.goto(`${env.server.url}?speed=1000`);
  assert.equal(response.headers()['content-security-policy'], CSP);
  assert.match(await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content'), /script-src 'self' 'wasm-unsafe-eval'; style-src 'self'/);
  await page.waitForSelector('[data-broker-id]');
  // Each broker's layer is placed over its box (through the CSSOM: a style attribute would be
  // refused): the three layers sit side by side inside the diagram.
  const boxes = await page.$$eval('svg.broker-layer', (ls) => ls.map((l) => {
    const r = l.getBoundingClientRect();
    return { x: Math.round(r.x), y: Math.round(r.y), w: Math.round(r.width), left: l.style.left };
  }));
  const diagram = await page.$eval('#cluster', (e) => e.getBoundingClientRect().toJSON());
  assert.equal(boxes.length, 3);
  assert.ok(boxes.every((b) => b.left.endsWith('%') && b.w > 40 && b.x >= diagram.x && b.x + b.w <= diagram.x + diagram.width + 1), JSON.stringify({ boxes, diagram }));
  assert.equal(new Set(boxes.map((b) => b.x)).size, 3, 'three places, not one on top of another');
  // Act: a record, a crash, a partition, the share link.
  await page.click('#produce-send');
  await page.focus('[data-broker-id="2"]');
  await page.keyboard.press('Enter');
  await page.click('#broker-crash');
  await page.selectOption('#partition-select', 'orders-0');
  await page.click('#share');
  await page.waitForSelector('#share-url');
  // Exports work under the policy (styles inlined through the CSSOM, downloads by blob).
  const [svgDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-svg')]);
  const svg = fs.readFileSync(await svgDownload.path(), 'utf8');
  assert.match(svg, /style="[^"]*fill:/, 'styles inlined');
  assert.match(svg, /data-broker-id="3"/);
  const [traceDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-trace')]);
  assert.equal(JSON.parse(fs.readFileSync(await traceDownload.path(), 'utf8')).format, 'kafkascope-trace');
  await page.waitForTimeout(300);
  assert.deepEqual(errors, []);
  await page.close();

  // A lesson (fetches its file: connect-src falls back to 'self').
  const lesson = await openApp(env.browser.context, `${env.server.url}?lesson=partitions-and-keys`);
  await lesson.page.waitForSelector('#lesson-gate[data-kind="start"]');
  await lesson.page.click('#lesson-continue');
  await lesson.page.waitForSelector('#lesson-gate[data-kind="question"]', { timeout: 20_000 });
  assert.deepEqual(lesson.errors, []);
  await lesson.page.close();

  // The example course page: two <kafka-cluster> elements, styles in their shadow roots.
  const { page: example, errors: exampleErrors } = await openExample(env.browser.context, env.server.url);
  assert.notEqual(await example.$eval('#first .app', (e) => getComputedStyle(e).display), 'inline', 'the shadow root\'s style sheet applies');
  assert.equal(await example.$eval('kafka-cluster', (e) => getComputedStyle(e).height), '520px', 'the page\'s own style sheet applies');
  await example.waitForTimeout(300);
  assert.deepEqual(exampleErrors, []);
  await example.close();

  // An embedding page: mount() from a module script, and an ?embed=1 iframe.
  const { page: host, errors: hostErrors } = await openEmbedHost(env.browser.context, env.server.url);
  await host.evaluate(() => { window.handle = window.kafkascope.mount(document.getElementById('here'), { preset: 'default', embed: true, seed: 3 }); });
  await host.waitForSelector('#here g[data-broker-id="3"]');
  await host.evaluate(() => window.handle.send({ action: 'crash', node: 'broker-1' }));
  await host.waitForSelector('#here g[data-broker-id="1"][data-up="false"]');
  const frame = host.frameLocator('#frame');
  await frame.locator('g[data-broker-id="2"]').waitFor({ timeout: 20_000 });
  await host.waitForTimeout(300);
  await host.screenshot({ path: path.join(ARTIFACTS, 'csp-embed-host.png') });
  assert.deepEqual(hostErrors, []);
  await host.close();
});

test('CSP: the checks catch a violation (an inline style attribute is refused and reported)', async () => {
  // Proves the listeners above would fail a test: the same page, one forbidden thing done.
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?paused=1`);
  await page.evaluate(() => { document.body.insertAdjacentHTML('beforeend', '<p style="color: red">x</p>'); });
  await page.waitForFunction(() => true);
  await page.waitForTimeout(200);
  assert.ok(errors.some((e) => /CSP violation: style-src/.test(e)), JSON.stringify(errors));
  await page.close();
});

test('hostile keys and values from the produce form are text in the log, the partition view and the last-record line', async () => {
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?speed=1000`);
  const sent = [];
  for (const [key, value] of [[IMG, SCRIPT], [UNICODE, SVG], [RLO, `${RLO}-value`]]) {
    await page.fill('#produce-key', key);
    await page.fill('#produce-value', value);
    // The preview shows the key as typed.
    assert.ok((await page.textContent('#placement-preview')).includes(`key "${quoted(key)}"`));
    await page.click('#produce-send');
    await page.waitForFunction((k) => (document.querySelector('#placement')?.textContent ?? '').includes(k), key);
    const partition = Number(await page.getAttribute('#placement', 'data-partition'));
    sent.push({ key, value, partition });
  }
  // The log narrates each record with its key, verbatim.
  await page.waitForFunction((keys) => keys.every((k) => document.querySelector('#event-log').textContent.includes(`key "${k}"`)), sent.map((s) => quoted(s.key)));
  // The partition view: "0: <value>" as text, the key in the tooltip.
  for (const { key, value, partition } of sent) {
    await page.selectOption('#partition-select', `orders-${partition}`);
    const cell = page.locator('#partition-rows > li').first().locator('.rec', { hasText: value }).first();
    await cell.waitFor();
    const text = await cell.textContent();
    assert.match(text, /^\d+: /);
    assert.equal(text.replace(/^\d+: /, ''), value);
    assert.ok((await cell.getAttribute('title')).includes(`key "${key}"`));
  }
  assert.deepEqual(await untouched(page), CLEAN);
  await page.screenshot({ path: path.join(ARTIFACTS, 'hostile-produce.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a 100 KB key and value: elided in the log and the partition view (all of it in the tooltip), no page widening', async () => {
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?speed=1000`);
  await page.fill('#produce-key', HUGE);
  await page.fill('#produce-value', `v${HUGE}`);
  await page.click('#produce-send');
  await page.waitForSelector('#placement[data-partition]');
  const partition = await page.getAttribute('#placement', 'data-partition');
  await page.selectOption('#partition-select', `orders-${partition}`);
  const cell = page.locator('#partition-rows .rec[data-offset="0"]').first();
  await cell.waitFor();
  const text = await cell.textContent();
  assert.ok(text.length <= 48 && text.endsWith('…') && text.startsWith('0: vkkk'), text);
  const title = await cell.getAttribute('title');
  assert.ok(title.includes(`0: v${HUGE}`) && title.includes(`key "${HUGE}"`), 'the whole record in the tooltip');
  // The log's line is elided, all of it in its tooltip.
  const line = page.locator('#event-log .text[title]', { hasText: 'kkkk' }).first();
  await line.waitFor();
  assert.ok((await line.textContent()).length <= 300);
  // The produce form's preview and last-record line too (the preview describes the key field).
  for (const sel of ['#placement-preview', '#placement']) {
    assert.ok((await page.textContent(sel)).length < 340, sel);
    assert.ok((await page.getAttribute(sel, 'title')).includes(HUGE), sel);
  }
  assert.ok((await line.getAttribute('title')).includes(HUGE));
  // Nothing widens the page; the panels keep their places.
  const size = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, w: innerWidth }));
  assert.ok(size.sw <= size.w, JSON.stringify(size));
  const side = await page.$eval('.side', (e) => e.getBoundingClientRect().width);
  assert.ok(side <= 345, `the side column kept its width (${side})`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'hostile-huge.png') });
  // Still working: play on, step.
  await page.click('#play');
  await page.click('#step');
  assert.deepEqual(await untouched(page), CLEAN);
  assert.deepEqual(errors, []);
  await page.close();
});

test('hostile consumer group ids and topic names: text in the diagram, the forms and the config errors', async () => {
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?speed=1000`);
  // A consumer group named with markup (Kafka allows any group.id).
  await page.fill('#consumer-group', IMG);
  await page.click('#consumer-add');
  const consumer = page.locator('g[data-consumer-id]').first();
  await consumer.waitFor({ timeout: 10_000 });
  assert.equal(await consumer.getAttribute('data-group'), IMG);
  assert.ok((await consumer.locator('title').textContent()).includes(`group ${IMG}`));
  // A 100 KB group id: drawn elided inside its box.
  await page.fill('#consumer-group', HUGE);
  await page.click('#consumer-add');
  const big = page.locator(`g[data-consumer-id]`).nth(1);
  await big.waitFor({ timeout: 10_000 });
  const drawn = await big.locator('text.client-sub').first().textContent();
  assert.ok(drawn.length < 80 && drawn.endsWith('…'), drawn);
  const fits = await big.evaluate((g) => {
    const box = g.querySelector('rect').getBBox();
    // Drawn inside the box, or clipped to it by the nested <svg> around the lines.
    const clip = g.querySelector('svg.client-lines');
    const clipped = clip && Number(clip.getAttribute('width')) === box.width && Number(clip.getAttribute('x')) === box.x;
    return [...g.querySelectorAll('text')].map((t) => { const b = t.getBBox(); return clipped || b.x + b.width <= box.x + box.width + 1; });
  });
  assert.ok(fits.every(Boolean), `every line fits its box: ${fits}`);
  // Topic names: Kafka's rules refuse markup; the error quotes it as text.
  await page.fill('#topic-0-name', SCRIPT);
  await page.fill('#config-racks', IMG);
  await page.click('#config-apply');
  await page.waitForSelector('#topic-0-name-error:not(:empty)');
  const topicError = await page.textContent('#topic-0-name-error');
  assert.ok(topicError.length > 0);
  assert.ok((await page.textContent('.config')).includes(SCRIPT) || topicError.includes('<script>'), topicError);
  await page.screenshot({ path: path.join(ARTIFACTS, 'hostile-config.png'), fullPage: true });
  assert.deepEqual(await untouched(page), CLEAN);
  assert.deepEqual(errors, []);
  await page.close();
});

test('hostile lesson text: narration, questions, choices and checks are text', async () => {
  const context = env.browser.context;
  const lesson = {
    lesson: { title: `Title ${IMG}`, objectives: [`Objective ${SCRIPT}`, UNICODE], summary: `Summary ${SVG}` },
    seed: 0,
    cluster: { profile: 'teaching', brokers: 3 },
    topics: [{ name: 'orders', partitions: 3, replication_factor: 3 }],
    steps: [
      { at: 0, action: 'narrate', text: `Narration ${IMG} ${UNICODE}` },
      { at: 0, action: 'add_producer', id: 0, acks: 'all' },
      { at: 200, action: 'produce', producer: 0, topic: 'orders', key: IMG, value: SCRIPT },
      { at: 500, action: 'question', text: `Question ${SCRIPT}?`, choices: [IMG, SVG], answer: 0, explanation: `Because ${IMG}` },
      { at: 1000, action: 'narrate', text: 'Done.' },
    ],
    run_until: 1500,
  };
  await context.route('**/lessons/hostile.json', (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify(lesson) }));
  const { page, errors } = await openApp(context, `${env.server.url}?lesson=hostile&speed=1000`);
  await page.waitForSelector('#lesson-panel[data-lesson="hostile"]');
  assert.match(await page.textContent('#lesson-title'), /Title <img src=x onerror="window.__pwned=1">$/);
  assert.ok((await page.textContent('#lesson-objectives')).includes(`Objective ${SCRIPT}`));
  assert.ok((await page.textContent('#lesson-narration')).includes(`Narration ${IMG} ${UNICODE}`));
  await page.click('#lesson-continue');
  await page.waitForSelector('#lesson-gate[data-kind="question"]', { timeout: 20_000 });
  assert.ok((await page.textContent('#lesson-question')).includes(`Question ${SCRIPT}?`));
  assert.ok((await page.textContent('label[for="lesson-choice-1"]')).includes(SVG));
  await page.check('#lesson-choice-0');
  await page.click('#lesson-continue');
  await page.waitForSelector('#lesson-gate[data-kind="end"]', { timeout: 20_000 });
  assert.ok((await page.textContent('#lesson-answers')).includes(`Because ${IMG}`));
  assert.ok((await page.textContent('#lesson-summary')).includes(`Summary ${SVG}`));
  await page.screenshot({ path: path.join(ARTIFACTS, 'hostile-lesson.png'), fullPage: true });
  assert.deepEqual(await untouched(page), CLEAN);
  assert.deepEqual(errors, []);
  await page.close();
  await context.unroute('**/lessons/hostile.json');
});

test('hostile page addresses: markup and huge values are named in words, the app starts', async () => {
  const enc = encodeURIComponent;
  const addresses = [
    [`?preset=${enc(IMG)}`, `There is no preset "${IMG.slice(0, 40)}"`],
    [`?mode=${enc(SCRIPT)}`, 'is not a control plane'],
    [`?lesson=${enc(SVG)}`, 'is not a lesson name'],
    [`?seed=${enc(UNICODE)}`, 'is not a seed'],
    [`?speed=${'9'.repeat(400)}`, 'speed must be a percent of real time from 1 to 1000'],
    // (A URL holds less than 100 KB here: Node's server refuses request heads over 16 KB.)
    [`?script=produce:${'k'.repeat(12_000)}@600`, null],
    [`?script=${enc(IMG)}@5`, 'The script was not run'],
    [`?shareBase=${enc('javascript:alert(1)')}`, 'shareBase must be an http or https address'],
    [`?v=1&c=b:3&a=produce:${enc('~3Cimg~20src~3Dx~3E')}:v:orders:all@5`, 'This link could not be opened'],
  ];
  for (const [query, want] of addresses) {
    const { page, errors } = await openApp(env.browser.context, env.server.url + query);
    const notice = (await page.locator('#link-error, #lesson-error').allTextContents()).join(' ');
    if (want) assert.ok(notice.includes(want), `${query.slice(0, 80)}: ${notice.slice(0, 300)}`);
    assert.ok(notice.length < 2000, `${query.slice(0, 80)}: the notice is short (${notice.length})`);
    assert.equal(await page.locator('[data-broker-id]').count(), 3);
    const size = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, w: innerWidth }));
    assert.ok(size.sw <= size.w, `${query.slice(0, 80)}: ${JSON.stringify(size)}`);
    assert.deepEqual(await untouched(page), CLEAN, query.slice(0, 80));
    if (query.startsWith('?preset')) await page.screenshot({ path: path.join(ARTIFACTS, 'hostile-address.png') });
    assert.deepEqual(errors, [], query.slice(0, 80));
    await page.close();
  }
});
