// End-to-end tests of sharing, embedding and exporting, in Debian's Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openApp, ARTIFACTS, useBrowser, openEmbedHost } from './harness.mjs';

const env = useBrowser();

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
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?paused=1&t=800&seed=7`);
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
  assert.match(link, /\?v=1&seed=7&c=b:3;cp:kraft:3;/);
  assert.match(link, /&a=produce:kunde~207~3A~20~C3~A4~26~C3~B6:order~20~231:orders:all@800,crash:2@\d+/);
  assert.ok(link.length < 8192);
  await page.screenshot({ path: path.join(ARTIFACTS, 'share.png') });

  const loaded = await env.browser.context.newPage();
  const loadErrors = [];
  loaded.on('pageerror', (e) => loadErrors.push(String(e)));
  await loaded.goto(link);
  await loaded.waitForSelector('[data-broker-id]');
  const got = await state(loaded);
  assert.deepEqual(got, want);
  assert.equal(await loaded.getAttribute('#play', 'aria-pressed'), 'false', 'a shared session opens paused');
  // The link's seed is the one Reset replays with.
  assert.equal(await loaded.inputValue('#seed'), '7');
  assert.equal(await loaded.locator('#link-error').count(), 0);
  assert.deepEqual([...errors, ...loadErrors], []);
  await loaded.close();
  await page.close();
});

test('Share during a lesson links to the lesson at that time; with actions of your own it says it cannot', async () => {
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?lesson=partitions-and-keys&t=1500&paused=1`);
  await page.waitForSelector('#lesson-panel');
  await page.click('#share');
  const link = await page.inputValue('#share-url');
  const want = await state(page);
  // The lesson opens at 1.5 s (its question at 0.5 s skipped, not asked), and so does the link.
  assert.equal(want.time, '1500');
  assert.ok(link.endsWith('?lesson=partitions-and-keys&t=1500&paused=1'), link);
  const loaded = await env.browser.context.newPage();
  await loaded.goto(link);
  await loaded.waitForSelector('#lesson-panel');
  assert.deepEqual(await state(loaded), want);
  await loaded.close();
  // An action of the learner's own is not in such a link: no link, and why.
  await page.click('g[data-broker-id="2"]');
  await page.click('#broker-crash');
  await page.click('#share');
  assert.equal(await page.locator('#share-url').count(), 0);
  assert.match(await page.textContent('#share-error'), /cannot be shared: a link replays lesson partitions-and-keys at a time, not the actions you took/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('an embedded instance whose lesson cannot be loaded says so', async () => {
  const { page } = await openApp(env.browser.context, `${env.server.url}?embed=1&lesson=no-such-lesson`);
  const error = await page.waitForSelector('#lesson-error');
  assert.match(await error.textContent(), /no-such-lesson\.json: could not be loaded.*\(the default cluster is shown instead\)/);
  assert.ok(await error.isVisible());
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
    const { page, errors } = await openApp(env.browser.context, env.server.url + query);
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
  const page = await env.browser.context.newPage();
  await page.setViewportSize({ width: 800, height: 500 });
  await page.goto(`${env.server.url}?embed=1&preset=default&lesson=ignored-here`);
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
  const page = await env.browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${env.server.url}www/course-example.html`);
  await page.waitForSelector('#first g[data-broker-id="2"]', { timeout: 20_000 });
  await page.waitForSelector('#second g[data-broker-id="2"]', { timeout: 20_000 });
  // Beside its lesson panel, the frame's diagram has about 560 px: the compact picture (the
  // brokers in two columns), whose labels are drawn at a readable size, not the wide one at
  // about 0.56 of its size (6-px text).
  await page.waitForSelector('#first #lesson-panel');
  await page.waitForFunction(() => document.getElementById('first').shadowRoot?.querySelector('.app')?.classList.contains('compact'));
  const drawn = {
    viewBox: await page.$eval('#first svg#cluster', (svg) => svg.viewBox.baseVal.width),
    name: await page.$eval('#first g[data-broker-id="1"] .broker-name', (t) => t.getBoundingClientRect().height),
    state: await page.$eval('#first g[data-broker-id="1"] .broker-state', (t) => t.getBoundingClientRect().height),
  };
  assert.equal(drawn.viewBox, 700);
  assert.ok(drawn.name >= 11 && drawn.state >= 9, JSON.stringify(drawn));
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
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?paused=1&t=1500`);
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

test('mount() checks what it is given: clear TypeErrors, nothing half-made, an instance already there left alone', async () => {
  const { page, errors } = await openEmbedHost(env.browser.context, env.server.url);
  // Each call made in the page (thunks: the page's CSP forbids eval), and what its error says.
  const results = await page.evaluate(() => {
    const here = document.getElementById('here');
    const { mount } = window.kafkascope;
    const IMG = '<img src=x onerror="window.__pwned=1">';
    const calls = [
      () => mount(),
      () => mount(null, {}),
      () => mount(42),
      () => mount('no-such-element'),
      () => mount(IMG),
      () => mount(document.createElementNS('http://www.w3.org/2000/svg', 'g'), {}),
      () => mount(here, 'preset=default'),
      () => mount(here, { colour: 'red' }),
      () => mount(here, { ['x'.repeat(100_000)]: 1 }),
      () => mount(here, { seed: '7' }),
      () => mount(here, { seed: -1 }),
      () => mount(here, { seed: 1.5 }),
      () => mount(here, { seed: NaN }),
      () => mount(here, { seed: 1e300 }),
      () => mount(here, { seed: Infinity }),
      () => mount(here, { nodes: 7 }),
      () => mount(here, { t: 1e12 }),
      () => mount(here, { speed: 0 }),
      () => mount(here, { speed: 1e9 }),
      () => mount(here, { embed: 'yes' }),
      () => mount(here, { paused: 1 }),
      () => mount(here, { preset: {} }),
      () => mount(here, { preset: IMG }),
      () => mount(here, { mode: IMG }),
      () => mount(here, { lesson: IMG }),
      () => mount(here, { lesson: '../../etc/passwd' }),
      () => mount(here, { scenario: 'y'.repeat(100_000) }),
      () => mount(here, { script: `${IMG}@5` }),
      () => mount(here, { shareBase: 'javascript:alert(1)' }),
      () => mount(here, { lessonBase: 'data:text/html,<script>alert(1)</script>' }),
      // The package without the lesson player says where lessons run.
      () => window.kafkascope.mountPlay(here, { lesson: 'partitions-and-keys' }),
    ];
    return calls.map((call) => {
      try {
        call();
        return { threw: false, source: call.toString() };
      } catch (e) {
        return { threw: true, type: e?.constructor?.name, message: String(e?.message), children: here.childElementCount, source: call.toString() };
      }
    });
  });
  const wants = [
    /target must be an element or an element's id/,
    /target must be an element or an element's id/,
    /target must be an element or an element's id/,
    /there is no element with id "no-such-element"/,
    /there is no element with id "<img src=x onerror="window.__pwned=1">"/,
    /target must be an HTML element/,
    /options must be an object/,
    /unknown option "colour"; the options are preset, scenario/,
    /unknown option "x{39}…"/,
    /option "seed" must be a whole number from 0, got string/,
    /option "seed" must be a whole number from 0/,
    /option "seed" must be a whole number from 0/,
    /option "seed" must be a whole number from 0/,
    /option "seed" must be a whole number from 0/,
    /option "seed" must be a whole number from 0/,
    /nodes must be 1, 3 or 5, not "7"/,
    /t must be a time in ms from 0 to 3600000/,
    /speed must be a percent of real time from 1 to 1000/,
    /speed must be a percent of real time from 1 to 1000/,
    /option "embed" must be boolean, got string/,
    /option "paused" must be boolean, got number/,
    /option "preset" must be string, got object/,
    /There is no preset "<img src=x onerror="window.__pwned=1">"/,
    /is not a control plane/,
    /option "lesson" must name a lesson file/,
    /option "lesson" must name a lesson file/,
    /scenario "y{39}…" is neither a preset/,
    /The script was not run/,
    /shareBase must be an http or https address/,
    /lessonBase must be an http or https address/,
    /option "lesson": this build \(www\/pkg\/kafkascope_play\.js\) has no lesson player: lessons run in www\/pkg\/kafkascope_web\.js/,
  ];
  assert.equal(results.length, wants.length);
  results.forEach((got, i) => {
    const call = got.source.slice(0, 80);
    assert.equal(got.threw, true, `${call} did not throw`);
    assert.equal(got.type, 'TypeError', `${call}: ${got.type}`);
    assert.match(got.message, wants[i], call);
    assert.ok(got.message.length < 400, `${call}: a short message (${got.message.length})`);
    assert.equal(got.children, 0, `${call}: nothing rendered`);
  });
  // A good mount, then a bad one into the same element: the running instance stays.
  await page.evaluate(() => { window.first = window.kafkascope.mount(document.getElementById('here'), { embed: true, paused: true }); });
  await page.waitForSelector('#here g[data-broker-id="3"]');
  const again = await page.evaluate(() => {
    try { window.kafkascope.mount(document.getElementById('here'), { seed: -1 }); return 'no error'; } catch (e) { return e.constructor.name; }
  });
  assert.equal(again, 'TypeError');
  assert.equal(await page.evaluate(() => window.first.mounted), true);
  assert.equal(await page.locator('#here g[data-broker-id]').count(), 3);
  // The handle checks its commands the same way; hostile strings are data.
  const sendErrors = await page.evaluate(() => {
    const out = [];
    for (const cmd of [undefined, 'crash', { action: '<img src=x onerror=alert(1)>' }, { action: 'crash' },
      { action: 'crash', node: 'broker-x' }, { action: 'seek', time: {} }, { action: 'produce', colour: 1 }]) {
      try { window.first.send(cmd); out.push('no error'); } catch (e) { out.push(`${e.constructor.name}: ${e.message}`); }
    }
    for (const [ev, cb] of [['nope', () => {}], ['log', 'not a function']]) {
      try { window.first.on(ev, cb); out.push('no error'); } catch (e) { out.push(`${e.constructor.name}: ${e.message}`); }
    }
    return out;
  });
  assert.equal(sendErrors.length, 9);
  assert.ok(sendErrors.every((e) => e.startsWith('TypeError: ')), JSON.stringify(sendErrors));
  assert.match(sendErrors[2], /unknown action "<img src=x onerror=alert\(1\)>"/);
  // Keys with < or > are refused (as in share links); quotes, ampersands and unicode are data.
  const refused = await page.evaluate(() => {
    try { window.first.send({ action: 'produce', key: '<img src=x onerror="window.__pwned=1">' }); return 'no error'; } catch (e) { return `${e.constructor.name}: ${e.message}`; }
  });
  assert.match(refused, /^TypeError: a key cannot hold control characters, < or > \("<img src=x onerror="window.__pwned=1">"\)$/);
  const KEY = '" onmouseover="window.__pwned=1" x=\'&amp; مرحبا 👩‍💻';
  await page.evaluate((key) => window.first.send({ action: 'produce', key, value: "' onfocus='window.__pwned=2" }), KEY);
  await page.evaluate(() => window.first.send({ action: 'play' }));
  await page.click('#here #log-collapsed summary');
  await page.waitForFunction((key) => document.querySelector('#here #event-log').textContent.includes(`key "${key}"`), KEY);
  assert.equal(await page.evaluate(() => window.__pwned ?? null), null);
  assert.equal(await page.locator('img').count(), 0);
  await page.evaluate(() => window.first.destroy());
  assert.equal(await page.evaluate(() => document.getElementById('here').childElementCount), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('mount() then send() at once: commands wait for the world the app builds (or the lesson it loads); seek runs on past the end; a refusal shows', async () => {
  const { page, errors } = await openEmbedHost(env.browser.context, env.server.url);
  // The README's example: commands sent right after mount(), before the first render.
  const sent = await page.evaluate(() => {
    const out = [];
    window.lines = [];
    const h = window.kafkascope.mount(document.getElementById('here'), { preset: 'default', seed: 7, embed: true, speed: 1000 });
    h.on('log', (e) => window.lines.push(e.text));
    for (const c of [{ action: 'crash', node: 'broker-2' }, { action: 'produce', key: 'customer-123', value: 'order-1' }]) {
      try { h.send(c); out.push('ok'); } catch (e) { out.push(String(e)); }
    }
    window.h = h;
    return out;
  });
  assert.deepEqual(sent, ['ok', 'ok']);
  await page.waitForSelector('#here g[data-broker-id="2"][data-up="false"]');
  await page.waitForFunction(() => window.lines.some((l) => l.includes('customer-123')));
  // Seek past the session's end: the simulation runs on to there (paused), as playing would.
  await page.evaluate(() => window.h.send({ action: 'seek', time: 20000 }));
  await page.waitForSelector('#here #cluster[data-time="20000"]');
  assert.equal(await page.getAttribute('#here #play', 'aria-pressed') ?? 'false', 'false');
  // Beyond an hour past the end: refused in words, nothing changes.
  const far = await page.evaluate(() => { try { window.h.send({ action: 'seek', time: 9e6 }); return 'no error'; } catch (e) { return `${e.constructor.name}: ${e.message}`; } });
  assert.match(far, /^TypeError: time 9000000 is more than an hour past the session's end \(20000 ms\): seek at most to 3620000$/);
  // The embedded frame has no produce form: what the simulator refuses shows on its own.
  await page.evaluate(() => window.h.send({ action: 'produce', topic: 'no-such-topic', key: 'k' }));
  const refusal = await page.waitForSelector('#here #api-error');
  assert.match(await refusal.textContent(), /no-such-topic/);
  await page.evaluate(() => window.h.destroy());
  // A lesson: a command sent while it loads is for the lesson's cluster, not the one shown meanwhile.
  await page.evaluate(() => {
    const base = new URL('../../../lessons/', location.href).href;
    window.h = window.kafkascope.mount(document.getElementById('here'), { lesson: 'partitions-and-keys', lessonBase: base, embed: true });
    window.h.send({ action: 'crash', node: 'broker-1' });
  });
  await page.waitForSelector('#here #lesson-panel');
  await page.waitForSelector('#here g[data-broker-id="1"][data-up="false"]');
  await page.evaluate(() => window.h.destroy());
  assert.deepEqual(errors, []);
  await page.close();
});

test('the build without the lesson player, given ?lesson= in the page address, says so without fetching the lesson', async () => {
  const page = await env.browser.context.newPage();
  const requested = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  await page.goto(`${env.server.url}tests/e2e/fixtures/embed-host.html?lesson=partitions-and-keys&paused=1`);
  await page.waitForSelector('body[data-ready="true"]');
  // Mounted by id without options: the page address configures it, as index.html's is.
  await page.evaluate(() => window.kafkascope.mountPlay('here'));
  const error = await page.waitForSelector('#here #lesson-error');
  assert.match(await error.textContent(),
    /has no lesson player: lessons run in www\/pkg\/kafkascope_web\.js.*\(the default cluster is shown instead\)/);
  assert.equal(await page.locator('#here g[data-broker-id]').count(), 3);
  assert.deepEqual(requested.filter((p) => p.includes('partitions-and-keys')), []);
  await page.close();
});

test('<kafka-cluster> checks its attributes: an error in words in place of the app, never markup; fixing the attribute mounts it', async () => {
  const { page, errors } = await openEmbedHost(env.browser.context, env.server.url, 'body[data-elements="true"]');
  const cases = [
    ['seed', '1e999', /seed must be a whole number from 0/],
    ['speed', '-5', /speed must be a whole number from 0/],
    ['speed', '99999', /speed must be a percent of real time from 1 to 1000/],
    ['nodes', '7', /nodes must be 1, 3 or 5/],
    ['paused', 'maybe', /use paused, paused="true" or paused="false"/],
    ['scenario', '<img src=x onerror="window.__pwned=1">', /scenario "<img src=x onerror="window.__pwned=1">" is neither a preset/],
    ['mode', '<script>window.__pwned=2</script>', /is not a control plane/],
    ['lesson', '../secret', /option "lesson" must name a lesson file/],
    ['seed', '9'.repeat(100_000), /seed must be a whole number from 0/],
    ['scenario', 'z'.repeat(100_000), /give a value \(at most 8192 characters\)/],
  ];
  for (const [name, value, want] of cases) {
    const got = await page.evaluate(async ([n, v]) => {
      const el = document.createElement('kafka-cluster');
      el.setAttribute(n, v);
      document.querySelector('main').append(el);
      // The error comes at once (attributes) or once the package answers (mount's checks).
      for (let i = 0; i < 100 && !el.shadowRoot.querySelector('.link-error'); i++) await new Promise((r) => setTimeout(r, 50));
      const out = {
        error: el.shadowRoot.querySelector('.link-error')?.textContent ?? null,
        role: el.shadowRoot.querySelector('.link-error')?.getAttribute('role'),
        kids: [...el.shadowRoot.children].map((c) => c.localName),
        instance: el.instance,
      };
      el.remove();
      return out;
    }, [name, value]);
    assert.ok(got.error, `${name}: an error is shown`);
    assert.match(got.error, want, `${name}=${value.slice(0, 40)}`);
    assert.ok(got.error.length < 400, `${name}: a short message`);
    assert.equal(got.role, 'alert');
    assert.deepEqual(got.kids, ['link', 'p'], 'the style sheet and the message, nothing half-made');
    assert.equal(got.instance, null);
  }
  // Fixing the attribute mounts the app.
  await page.evaluate(() => {
    const el = document.createElement('kafka-cluster');
    el.id = 'fixed';
    el.setAttribute('seed', 'x');
    document.querySelector('main').append(el);
    setTimeout(() => el.setAttribute('seed', '7'), 100);
  });
  await page.waitForSelector('#fixed g[data-broker-id="3"]', { timeout: 20_000 });
  assert.equal(await page.evaluate(() => window.__pwned ?? null), null);
  assert.equal(await page.evaluate(() => [...document.querySelectorAll('kafka-cluster')].flatMap((e) => [...e.shadowRoot.querySelectorAll('img, script')]).length), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a course page that links style.css for mount() keeps its own scrolling and headings; an embedded lesson on a phone stacks the diagram over its panel', async () => {
  const { page, errors } = await openEmbedHost(env.browser.context, env.server.url);
  await page.evaluate(() => { window.kafkascope.mount(document.querySelector('#here'), { preset: 'default', embed: true }); });
  await page.waitForSelector('#here [data-broker-id]');
  const host = await page.evaluate(() => {
    // An element of the course page's own with class names the app also uses.
    const probe = document.createElement('div');
    probe.className = 'panel main side hint status';
    probe.textContent = 'the course page\'s own';
    document.querySelector('main').append(probe);
    const ps = getComputedStyle(probe);
    return {
    probe: [ps.display, ps.borderTopWidth, ps.contentVisibility, ps.fontSize].join(' '),
    html: getComputedStyle(document.documentElement).overflowY,
    body: getComputedStyle(document.body).overflowY,
    margin: getComputedStyle(document.body).marginTop,
    h1: getComputedStyle(document.querySelector('main > h1')).fontSize,
    appFont: getComputedStyle(document.querySelector('#here .app')).fontSize,
  };
  });
  assert.equal(host.probe, 'block 0px visible 16px', 'the app\'s class rules reach only the app');
  assert.ok(!['hidden', 'clip'].includes(host.html) && !['hidden', 'clip'].includes(host.body), JSON.stringify(host));
  assert.equal(host.margin, '8px', 'the host page keeps its own body margin');
  assert.equal(host.h1, '32px', 'and its own h1 (the app\'s is 20px)');
  assert.equal(host.appFont, '15px', 'the mounted app has its own font');
  assert.deepEqual(errors, []);
  await page.close();

  const phone = await env.browser.context.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(`${env.server.url}?embed=1&lesson=leader-failover`);
  await phone.waitForSelector('#lesson-panel [id="lesson-gate"]', { timeout: 20_000 });
  const boxes = await phone.evaluate(() => {
    const r = (s) => { const b = document.querySelector(s).getBoundingClientRect(); return { top: b.top, bottom: b.bottom, width: b.width }; };
    return { left: r('.main > .left'), side: r('.main > .side'), w: innerWidth };
  });
  assert.ok(boxes.side.top >= boxes.left.bottom - 1, `stacked: ${JSON.stringify(boxes)}`);
  assert.ok(boxes.side.width > 0.8 * boxes.w && boxes.left.width > 0.8 * boxes.w, JSON.stringify(boxes));
  await phone.screenshot({ path: path.join(ARTIFACTS, 'embed-lesson-phone.png') });
  await phone.close();
});
