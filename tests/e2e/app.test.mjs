// End-to-end tests in Debian's Chromium: the page a learner opens, driven as they would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openApp, ARTIFACTS, ROOT, useBrowser } from './harness.mjs';

const env = useBrowser();

/** The replica of orders-<p> that is drawn as leader, as { broker, leo, hw, inIsr }. */
async function replicas(page, partition) {
  return page.$$eval(`g.replica[data-topic="orders"][data-partition="${partition}"]`, (els) =>
    els.map((e) => ({
      broker: Number(e.dataset.broker),
      role: e.dataset.role,
      inIsr: e.dataset.inIsr === 'true',
      leo: Number(e.dataset.leo),
      hw: Number(e.dataset.hw),
    })));
}

test('the page loads and draws the default cluster', async () => {
  const { page, errors } = await openApp(env.browser.context, env.server.url);
  assert.equal(await page.locator('[data-broker-id]').count(), 3);
  // Replicas appear once LeaderAndIsr reaches the brokers (a simulated network hop).
  await page.waitForFunction(() => document.querySelectorAll('g.replica[data-topic="orders"]').length === 9);
  assert.equal(await page.locator('g.replica[data-topic="orders"][data-role="leader"]').count(), 3);
  await page.screenshot({ path: path.join(ARTIFACTS, 'initial.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a quiet wire is explained: the metrics strip counts the fetches the leaders hold', async () => {
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?paused=1&t=20000`);
  const value = (id) => page.$eval(id, (e) => Number(e.dataset.value));
  // Event by event until nothing is on the wire (an idle cluster is quiet most of the time).
  for (let steps = 0; await value('#metric-in-flight') !== 0; steps++) {
    assert.ok(steps < 200, 'the wire went quiet within 200 events');
    await page.click('#step');
  }
  // orders has 3 partitions on 3 brokers: each broker follows two partitions led by the other
  // two, so six follower fetches are outstanding, and with none on the wire all are parked.
  const parked = await value('#metric-fetch-purgatory');
  assert.ok(parked >= 6, `every follower's fetch is parked at its leader: ${parked}`);
  assert.equal(await page.$eval('#metric-fetch-purgatory .metric-value', (e) => e.textContent), String(parked));
  assert.match(await page.$eval('#metric-fetch-purgatory', (e) => e.title), /until a record arrives or the max wait/);
  assert.match(await page.$eval('.legend', (e) => e.textContent), /Fetches parked.*a quiet wire is not a stalled cluster/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a keyed message lands in the partition Kafka would choose, and is replicated', async () => {
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?speed=100`);
  await page.fill('#produce-key', 'customer-123');
  await page.fill('#produce-value', 'order-1');
  await page.click('#produce-send');
  // murmur2("customer-123") = 593099448 -> partition 0 of 3 (Kafka's default partitioner).
  await page.waitForSelector('#placement[data-partition="0"]', { timeout: 10_000 });
  await page.waitForFunction(() => {
    const rs = [...document.querySelectorAll('g.replica[data-topic="orders"][data-partition="0"]')];
    return rs.length === 3 && rs.every((r) => Number(r.dataset.hw) >= 1);
  }, null, { timeout: 15_000 });
  const rs = await replicas(page, 0);
  assert.ok(rs.every((r) => r.leo === 1 && r.hw === 1), JSON.stringify(rs));
  assert.deepEqual(errors, []);
  await page.close();
});

test('crashing the leader of orders-0 shows a new leader chosen from the ISR', async () => {
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?speed=200`);
  const before = await replicas(page, 0);
  const oldLeader = before.find((r) => r.role === 'leader').broker;
  const isr = before.filter((r) => r.inIsr).map((r) => r.broker);
  // Keyboard, as a person without a mouse would: focus the broker, Enter, then Crash.
  await page.focus(`[data-broker-id="${oldLeader}"]`);
  await page.keyboard.press('Enter');
  await page.click('#broker-crash');
  await page.waitForSelector(`[data-broker-id="${oldLeader}"][data-up="false"]`);
  // Until the controller notices, the broker shows its session running out.
  assert.match(await page.$eval(`[data-broker-id="${oldLeader}"]`, (e) => e.textContent), /fenced in \d+\.\d s/);
  // Meanwhile it leads nothing, but the metadata still names it leader of orders-0: a hollow
  // crown, and the box and its accessible name say so.
  const named = await page.$eval(`g.replica[data-broker="${oldLeader}"][data-topic="orders"][data-partition="0"]`, (r) => ({
    role: r.dataset.role, named: r.dataset.namedLeader, cls: r.getAttribute('class'),
    badge: r.querySelector('.badge-text').textContent, title: r.querySelector('title').textContent,
  }));
  assert.deepEqual([named.role, named.named, named.badge], ['none', 'true', 'L'], JSON.stringify(named));
  assert.match(named.cls, /named-leader/);
  assert.match(named.title, /named leader in the cluster's metadata, but the broker is down and the controller has not noticed yet/);
  assert.match(await page.textContent(`[data-broker-id="${oldLeader}"] .broker-sub`), /^named leader [1-9]\/\d+$/);
  assert.match(await page.textContent(`[data-broker-id="${oldLeader}"] > title`), /leads none, though the cluster's metadata still names it leader of [1-9]/);
  // Teaching profile: fenced after 3 s of silence, then a new leader is elected.
  await page.waitForFunction((old) => {
    const leaders = [...document.querySelectorAll('g.replica[data-topic="orders"][data-partition="0"][data-role="leader"]')];
    return leaders.some((r) => Number(r.dataset.broker) !== old);
  }, oldLeader, { timeout: 30_000 });
  const after = await replicas(page, 0);
  const newLeader = after.find((r) => r.role === 'leader' && r.broker !== oldLeader).broker;
  assert.ok(isr.includes(newLeader), `new leader ${newLeader} was in the ISR ${isr}`);
  assert.equal(await page.getAttribute(`g.replica[data-broker="${newLeader}"][data-topic="orders"][data-partition="0"]`, 'data-named-leader'), 'true');
  assert.equal(await page.getAttribute(`g.replica[data-broker="${oldLeader}"][data-topic="orders"][data-partition="0"]`, 'data-named-leader'), 'false');
  await page.waitForFunction(() => /elected broker \d+ leader of orders-0/.test(document.querySelector('#event-log')?.textContent ?? ''),
    null, { timeout: 10_000 });
  await page.screenshot({ path: path.join(ARTIFACTS, 'after-failover.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('ZooKeeper mode: the controller broker dies; after its session expires another broker wins /controller', async () => {
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?mode=zookeeper&speed=400`);
  await page.waitForSelector('g.coordinator[data-mode="zookeeper"]');
  assert.equal(await page.locator('.controller-node[data-node^="zookeeper-"]').count(), 3);
  await page.waitForSelector('.controller-node[data-node^="zookeeper-"][data-role="leader"]');
  const controllerOf = () => page.$$eval('[data-broker-id]', (els) => els
    .filter((e) => /★ CONTROLLER/.test(e.querySelector('.broker-role')?.getAttribute('data-coordinator-role') ?? ''))
    .map((e) => Number(e.dataset.brokerId)));
  const [old] = await controllerOf();
  assert.ok(old !== undefined, 'one broker is marked as the controller');
  await page.focus(`[data-broker-id="${old}"]`);
  await page.keyboard.press('Enter');
  await page.click('#broker-crash');
  // zookeeper.session.timeout.ms is 6 s in the teaching profile; then the race for /controller.
  await page.waitForFunction((o) => [...document.querySelectorAll('[data-broker-id]')].some((e) =>
    Number(e.dataset.brokerId) !== o
    && /★ CONTROLLER \(epoch 2\)/.test(e.querySelector('.broker-role')?.getAttribute('data-coordinator-role') ?? '')),
  old, { timeout: 30_000 });
  // In ZooKeeper's words: its session expired (fencing is KRaft's), and it holds no role.
  const words = await page.$eval(`[data-broker-id="${old}"]`, (e) => e.textContent);
  assert.match(words, /DOWN, session expired/);
  assert.doesNotMatch(words, /fenced/i);
  assert.equal(await page.locator(`g.replica[data-broker="${old}"]:not([data-role="none"])`).count(), 0);
  await page.screenshot({ path: path.join(ARTIFACTS, 'zookeeper-failover.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('KRaft mode: crashing the active controller makes a standby leader of a new epoch', async () => {
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?mode=kraft&speed=200`);
  await page.waitForSelector('g.coordinator[data-mode="kraft"] .controller-node[data-role="leader"]');
  const old = await page.$eval('.controller-node[data-role="leader"]', (e) => e.dataset.node);
  await page.focus(`.controller-node[data-node="${old}"]`);
  await page.keyboard.press('Enter');
  await page.click('#node-crash');
  await page.waitForSelector(`.controller-node[data-node="${old}"][data-up="false"]`);
  // controller.quorum.fetch.timeout.ms (2 s), then a randomised election timeout and a vote.
  await page.waitForFunction((o) => [...document.querySelectorAll('.controller-node[data-role="leader"]')]
    .some((e) => e.dataset.node !== o), old, { timeout: 20_000 });
  assert.match(await page.$eval('.coordinator-title', (e) => e.textContent), /epoch [2-9]/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'kraft-failover.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('at load the clock shows where the world is: a KRaft set-up that ran first is not behind it', async () => {
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?mode=kraft&paused=1`);
  const world = Number(await page.$eval('#cluster', (e) => e.dataset.time));
  // The quorum elects and the topics are created before the page's first frame.
  assert.ok(world > 0, `the set-up ran to ${world} ms`);
  const s = `${(world / 1000).toFixed(3)} s`;
  assert.equal(await page.$eval('#timeline-time', (e) => e.textContent), `${s} of ${s}`);
  assert.equal(await page.$eval('.clock', (e) => e.textContent), `t = ${s}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a phone-sized screen shows the whole app without errors', async () => {
  const page = await env.browser.context.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(env.server.url);
  await page.waitForSelector('[data-broker-id]');
  await page.screenshot({ path: path.join(ARTIFACTS, 'phone.png'), fullPage: true });
  // The coordinator's caption (long in both modes) stays inside its area: elided, not clipped.
  for (const mode of ['kraft', 'zookeeper']) {
    await page.goto(`${env.server.url}?mode=${mode}&paused=1&t=20000`);
    await page.waitForSelector('.coordinator-title');
    const right = (sel) => page.$eval(sel, (e) => e.getBoundingClientRect().right);
    const [title, area] = [await right('.coordinator-title'), await right('.coordinator-area')];
    assert.ok(title <= area, `${mode}: the caption ends at ${title}, the area at ${area}`);
  }
  // A broker's menu opens as a sheet at the bottom: the broker it acts on stays in view.
  await page.goto(`${env.server.url}?paused=1`);
  await page.click('[data-broker-id="2"]');
  await page.waitForSelector('#broker-menu');
  await page.waitForTimeout(200);
  const head = await page.locator('[data-broker-id="2"]').boundingBox();
  const sheet = await page.locator('#broker-menu').boundingBox();
  assert.ok(head.y >= 0 && head.y + 40 <= sheet.y, `broker 2 at ${head.y}, the menu from ${sheet.y}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'phone-menu.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the config panel: racks that miss a broker get Kafka\'s error; a consumer group starts with its assignor', async () => {
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?speed=100`);
  await page.fill('#config-racks', 'a, b');
  await page.click('#config-apply');
  await page.waitForSelector('#config-racks-error:has-text("Not all brokers have rack information")');
  assert.equal(await page.locator('[data-consumer-id]').count(), 0, 'nothing applied');
  await page.fill('#config-racks', 'a, a, b');
  await page.click('#config-add-group');
  await page.fill('#group-0-name', 'billing');
  await page.fill('#group-0-topic', 'orders');
  assert.equal(await page.locator('[data-broker-id="3"][data-rack="b"]').count(), 0, 'racks not applied yet');
  await page.fill('#group-0-members', '2');
  await page.selectOption('#group-0-assignor', 'roundrobin');
  await page.click('#config-apply');
  // Two members of "billing" share orders-0..2 once the group has rebalanced.
  await page.waitForFunction(() => {
    const cs = [...document.querySelectorAll('[data-consumer-id][data-group="billing"]')];
    return cs.length === 2 && cs.reduce((n, c) => n + Number(c.dataset.assigned ?? 0), 0) === 3;
  }, null, { timeout: 20_000 });
  assert.equal(await page.locator('[data-broker-id="3"][data-rack="b"]').count(), 1, 'broker 3 is in rack b');
  await page.locator('.config').screenshot({ path: path.join(ARTIFACTS, 'config-panel.png') });
  // Crash a member from its menu (keyboard): its partitions stay held for it until its
  // session times out, then the other member takes all three.
  const victim = await page.$eval('[data-consumer-id][data-group="billing"][data-assigned]:not([data-assigned="0"])', (e) => e.dataset.consumerId);
  const held = Number(await page.getAttribute(`[data-consumer-id="${victim}"]`, 'data-assigned'));
  await page.focus(`[data-consumer-id="${victim}"]`);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`#node-menu[data-menu-node="consumer-${victim}"]`);
  await page.click('#node-crash');
  await page.waitForSelector(`[data-consumer-id="${victim}"][data-up="false"][data-held="${held}"]`);
  await page.waitForFunction(() => {
    const up = document.querySelector('[data-consumer-id][data-group="billing"][data-up="true"]');
    return up && up.dataset.assigned === '3';
  }, null, { timeout: 30_000 });
  assert.equal(await page.getAttribute(`[data-consumer-id="${victim}"]`, 'data-held'), '0');
  assert.deepEqual(errors, []);
  await page.close();
});

test('time travel: scrub back to before a crash, step back, act in the past and see the fork', async () => {
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?t=2000&paused=1`);
  await page.waitForFunction(() => document.querySelectorAll('g.replica[data-topic="orders"][data-role="leader"]').length === 3);
  const before = await replicas(page, 0);
  const oldLeader = before.find((r) => r.role === 'leader').broker;
  // Crash the leader of orders-0 at 2 s, then play until another broker leads it.
  await page.focus(`[data-broker-id="${oldLeader}"]`);
  await page.keyboard.press('Enter');
  await page.click('#broker-crash');
  await page.click('#play');
  await page.$eval('#speed', (e) => { e.value = '1'; e.dispatchEvent(new Event('input', { bubbles: true })); });
  await page.waitForFunction((old) => {
    const leaders = [...document.querySelectorAll('g.replica[data-topic="orders"][data-partition="0"][data-role="leader"]')];
    return leaders.some((r) => Number(r.dataset.broker) !== old);
  }, oldLeader, { timeout: 30_000 });
  await page.click('#play');
  const end = Number(await page.$eval("#timeline", (e) => e.dataset.end));
  assert.ok(end > 2000, `session end ${end}`);

  // Scrub back to 1.5 s: the old leader leads again and is up; the log has no crash yet.
  await page.$eval('#timeline', (e) => { e.value = '1500'; e.dispatchEvent(new Event('input', { bubbles: true })); });
  await page.waitForSelector('#cluster[data-time="1500"]');
  assert.equal(await page.$eval('#play', (e) => e.getAttribute('aria-pressed')), 'false');
  const shownText = await page.$eval('#timeline-time', (e) => e.textContent);
  assert.match(shownText, /^1\.500 s of /, JSON.stringify(await page.$eval('.timeline', (e) => e.outerHTML)));
  const past = await replicas(page, 0);
  assert.equal(past.find((r) => r.role === 'leader').broker, oldLeader);
  assert.equal(await page.$eval(`[data-broker-id="${oldLeader}"]`, (e) => e.dataset.up), 'true');
  assert.doesNotMatch(await page.textContent('#event-log'), /crashed/);
  // The end of the session is still there to go back to.
  assert.equal(Number(await page.$eval("#timeline", (e) => e.dataset.end)), end);

  // Keyboard: the scrubber moves with the arrow keys.
  await page.focus('#timeline');
  await page.keyboard.press('ArrowRight');
  await page.waitForSelector('#cluster[data-time="1600"]');

  // Step back: just before the last event, earlier than 1.6 s.
  await page.click('#step-back');
  const back = Number(await page.$eval('#cluster', (e) => e.dataset.time));
  assert.ok(back <= 1600 && back > 0, `stepped back to ${back}`);

  // Act in the past: crash another broker. The later crash is dropped, and the app says so.
  const other = [1, 2, 3].find((b) => b !== oldLeader);
  await page.focus(`[data-broker-id="${other}"]`);
  await page.keyboard.press('Enter');
  await page.click('#broker-crash');
  await page.waitForSelector(`[data-broker-id="${other}"][data-up="false"]`);
  assert.match(await page.textContent('#timeline-status'), /^Acted at \d+\.\d{3} s: the 1 later action was dropped$/);
  assert.equal(await page.$eval(`[data-broker-id="${oldLeader}"]`, (e) => e.dataset.up), 'true');
  // The session now ends where the action was; playback stays paused, as after an action
  // in the present, and plays on from the fork.
  assert.ok(Number(await page.$eval("#timeline", (e) => e.dataset.end)) < end);
  assert.equal(await page.$eval('#play', (e) => e.getAttribute('aria-pressed')), 'false');
  const forkedAt = Number(await page.$eval('#cluster', (e) => e.dataset.time));
  await page.click('#play');
  await page.waitForFunction((t) => Number(document.querySelector('#cluster').dataset.time) > t + 500, forkedAt);
  await page.click('#play');
  await page.screenshot({ path: path.join(ARTIFACTS, 'time-travel.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

/** The lesson panel's checks as { step, state }. */
async function lessonChecks(page) {
  return page.$$eval('#lesson-checks > li', (els) => els.map((e) => ({ step: Number(e.dataset.step), state: e.dataset.state })));
}

test('the stress preset keeps 5 minutes of records; time travel covers the whole of a 20-minute session', async () => {
  // 20 simulated minutes run before the first frame.
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?preset=stress&t=1200000&paused=1`);
  assert.equal(await page.inputValue('#config-retention'), '300000');
  const range = await page.$eval('#timeline', (e) => ({ min: Number(e.min), start: Number(e.dataset.start), end: Number(e.dataset.end) }));
  assert.equal(range.min, 0);
  assert.equal(range.end, 1200000);
  assert.ok(range.start < 1000, JSON.stringify(range));
  // The window (the last hour) is not reached, so the scrubber says nothing of it.
  assert.equal(await page.$('#timeline-window'), null);
  // Retention has deleted the oldest records: orders-0's log no longer starts at offset 0.
  await page.selectOption('#partition-select', 'orders-0');
  const rows = await page.$$eval('#partition-rows > li', (els) => els.map((e) => ({
    start: Number(e.dataset.rowLogStart), leo: Number(e.dataset.rowLeo), text: e.textContent,
  })));
  assert.equal(rows.length, 3);
  for (const r of rows) {
    assert.ok(r.start > 0 && r.leo - r.start < r.leo / 2, JSON.stringify(r));
    assert.match(r.text, new RegExp(`log start ${r.start}`));
  }
  // A seek to the start shows the session's first moments, records not yet deleted.
  await page.$eval('#timeline', (e) => { e.value = '1000'; e.dispatchEvent(new Event('input', { bubbles: true })); });
  await page.waitForFunction(() => document.querySelector('#timeline-time').textContent.startsWith('1.000 s of'));
  const early = await page.$$eval('#partition-rows > li', (els) => els.map((e) => Number(e.dataset.rowLogStart || 0)));
  assert.ok(early.every((s) => s === 0), JSON.stringify(early));
  assert.deepEqual(errors, []);
  await page.close();
});

test('a lesson: the clock stops at each question, the answer is revealed by what follows, every check holds', async () => {
  const file = JSON.parse(fs.readFileSync(path.join(ROOT, 'lessons', 'unclean-leader-election.json'), 'utf8'));
  const expectSteps = file.steps.flatMap((s, i) => (s.action === 'expect' ? [i] : []));
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?lesson=unclean-leader-election&speed=1000`);
  await page.waitForSelector('#lesson-panel[data-lesson="unclean-leader-election"]');
  assert.equal(await page.$eval('#lesson-select', (e) => e.value), 'unclean-leader-election');
  assert.match(await page.textContent('#lesson-title'), /Unclean leader election/);
  assert.deepEqual((await lessonChecks(page)).map((c) => c.step), expectSteps);
  // The lesson's own cluster: two brokers, the topics ledger and safe-ledger.
  assert.equal(await page.locator('[data-broker-id]').count(), 2);
  // The clock waits at the start, with the objectives shown (the page does not scroll to it),
  // once the set-up has run: the brokers already show the replicas the narration describes.
  await page.waitForSelector('#lesson-gate[data-kind="start"]');
  const startAt = Number(await page.$eval('#cluster', (e) => e.dataset.time));
  assert.ok(startAt > 0 && startAt < 1000, `Start at ${startAt} ms`);
  assert.equal(await page.locator('g.replica[data-topic="ledger"]').count(), 2);
  assert.equal(await page.$eval('#lesson-objectives', (e) => e.open), true);
  assert.equal(await page.evaluate(() => window.scrollY), 0);
  await page.screenshot({ path: path.join(ARTIFACTS, 'lesson-start.png') });
  // Play starts the lesson as well as the Start button would.
  await page.click('#play');

  // The first question (12 s) stops the clock, with both partitions offline.
  await page.waitForSelector('#lesson-gate[data-kind="question"][data-at="12000"]', { timeout: 30_000 });
  assert.equal(await page.$eval('#play', (e) => e.getAttribute('aria-pressed')), 'false');
  assert.equal(await page.$eval('#cluster', (e) => e.dataset.time), '12000');
  assert.equal(await page.$eval('#metric-offline', (e) => e.dataset.value), '2');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'lesson-gate', 'the question takes the focus');
  assert.match(await page.textContent('#lesson-narration'), /Both partitions are offline/);
  // The checks of 7 s have been made, and hold; those of 12 s, the question's time, wait for
  // the answer (they could give it away); the later ones wait for their time.
  let checks = await lessonChecks(page);
  assert.deepEqual(checks.filter((c) => c.state !== 'pending').map((c) => c.state),
    [...Array(3).fill('holds'), ...Array(3).fill('after-answer')]);
  assert.match(await page.textContent('#lesson-checks li[data-state="holds"]'), /holds/);
  // Continue (or Play) without an answer: the clock stays.
  await page.click('#lesson-continue');
  assert.equal(await page.textContent('#lesson-continue-error'), 'Choose an answer first.');
  await page.click('#play');
  assert.equal(await page.$eval('#play', (e) => e.getAttribute('aria-pressed')), 'false');
  assert.equal(await page.$eval('#cluster', (e) => e.dataset.time), '12000');
  // Keyboard: the right answer (b), then Continue.
  await page.focus('#lesson-choice-0');
  await page.keyboard.press('Space');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.$eval('#lesson-choice-1', (e) => e.checked), true);
  await page.focus('#lesson-continue');
  await page.keyboard.press('Enter');
  // Answered, not yet revealed: the unclean election has not happened yet.
  await page.waitForSelector('#lesson-answers li[data-question="0"][data-revealed="false"]');
  assert.equal(await page.$eval('#play', (e) => e.getAttribute('aria-pressed')), 'true');

  // The second question (19 s); by then the first answer is revealed (narration at 17 s).
  await page.waitForSelector('#lesson-gate[data-kind="question"][data-at="19000"]', { timeout: 30_000 });
  const first = page.locator('#lesson-answers li[data-question="0"]');
  assert.equal(await first.getAttribute('data-revealed'), 'true');
  assert.equal(await first.getAttribute('data-correct'), 'true');
  assert.match(await first.textContent(), /Right\./);
  assert.match(await first.textContent(), /Only ledger allows the controller to elect a replica outside the ISR/);
  // A wrong answer this time (a), by the mouse, on its label.
  await page.click('label[for="lesson-choice-0"]');
  await page.click('#lesson-continue');

  // The end: the second answer is revealed as wrong, with the right one and the explanation.
  await page.waitForSelector('#lesson-gate[data-kind="end"]', { timeout: 30_000 });
  assert.equal(await page.$eval('#cluster', (e) => e.dataset.time), String(file.run_until));
  const second = page.locator('#lesson-answers li[data-question="1"]');
  assert.equal(await second.getAttribute('data-correct'), 'false');
  assert.match(await second.textContent(), /Not quite\. The answer: b\) It truncates them/);
  assert.match(await second.textContent(), /KIP-101/);
  assert.match(await page.textContent('#lesson-summary'), /What to remember/);
  assert.match(await page.textContent('#lesson-score'), /You answered 1 of 2 questions right/);
  checks = await lessonChecks(page);
  assert.equal(checks.length, expectSteps.length);
  assert.deepEqual(checks.map((c) => c.state), Array(expectSteps.length).fill('holds'));
  assert.match(await page.textContent('#lesson-checks-count'), new RegExp(`^${expectSteps.length} of ${expectSteps.length} checked, all hold\\.$`));
  await page.screenshot({ path: path.join(ARTIFACTS, 'lesson.png'), fullPage: true });

  // Time travel still works: back to 12.5 s, the later checks wait again, answers stay.
  await page.$eval('#timeline', (e) => { e.value = '12500'; e.dispatchEvent(new Event('input', { bubbles: true })); });
  await page.waitForSelector('#cluster[data-time="12500"]');
  checks = await lessonChecks(page);
  assert.equal(checks.filter((c) => c.state === 'holds').length, 6);
  assert.equal(await first.getAttribute('data-revealed'), 'false', 'the answer waits for 17 s again');
  assert.equal(await page.locator('#lesson-gate').count(), 0, 'a question answered is not asked again');
  assert.deepEqual(errors, []);
  await page.close();
});

test('lessons: a bad file shows its error over the default cluster; the Lesson select loads one; a sub-path works', async () => {
  // A lesson file with an error (served in place of lessons/broken.json).
  const context = env.browser.context;
  await context.route('**/lessons/broken.json', (route) => route.fulfill({
    contentType: 'application/json',
    body: '{\n  "cluster": {"brokers": 3},\n  "steps": [\n    {"at": 0, "action": "crash", "node": "brokr-2"}\n  ]\n}\n',
  }));
  const p1 = await context.newPage();
  const errs1 = [];
  p1.on('pageerror', (e) => errs1.push(String(e)));
  await p1.goto(`${env.server.url}?lesson=broken`);
  await p1.waitForSelector('#lesson-error');
  // Word for word what `kafkascope validate` prints for this file (after `error: `).
  assert.equal(await p1.textContent('#lesson-error'),
    'lessons/broken.json: steps[0].node: "brokr-2" is not a node: write "broker-<id>", "controller-<id>", '
    + '"zookeeper-<id>", "producer-<id>", "consumer-<id>" or {"kind": "broker", "id": <id>} at line 4 column 50'
    + ' (the default cluster is shown instead)');
  await p1.waitForSelector('[data-broker-id]');
  assert.equal(await p1.locator('[data-broker-id]').count(), 3, 'the default cluster');
  assert.equal(await p1.locator('#lesson-panel').count(), 0);
  // A lesson that does not exist: the HTTP status.
  await p1.goto(`${env.server.url}?lesson=no-such-lesson`);
  await p1.waitForSelector('#lesson-error');
  assert.match(await p1.textContent('#lesson-error'), /^lessons\/no-such-lesson\.json: could not be loaded \(HTTP 404/);
  await p1.screenshot({ path: path.join(ARTIFACTS, 'lesson-error.png') });
  // The select loads a lesson, and the address follows.
  await p1.selectOption('#lesson-select', 'partitions-and-keys');
  await p1.waitForSelector('#lesson-panel[data-lesson="partitions-and-keys"] #lesson-gate[data-kind="start"]');
  await p1.waitForFunction(() => document.activeElement?.id === 'lesson-gate');
  assert.equal(new URL(p1.url()).searchParams.get('lesson'), 'partitions-and-keys');
  assert.equal(await p1.locator('#lesson-error').count(), 0);
  // On a phone the long titles do not widen the page.
  await p1.setViewportSize({ width: 390, height: 844 });
  assert.ok(await p1.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    'no horizontal scrolling on a phone');
  await p1.setViewportSize({ width: 1280, height: 800 });
  // Free play again: no panel, no lesson in the address.
  await p1.selectOption('#lesson-select', '');
  await p1.waitForFunction(() => !document.querySelector('#lesson-panel'));
  assert.equal(new URL(p1.url()).searchParams.get('lesson'), null);
  assert.deepEqual(errs1, []);
  await p1.close();
  await context.unroute('**/lessons/broken.json');

  // Served under a sub-path: the page finds lessons/ beside itself.
  await context.route('**/course/kafka/**', async (route) => {
    const url = new URL(route.request().url());
    const rest = url.pathname.replace(/^\/course\/kafka\//, '') || 'index.html';
    const file = path.join(ROOT, rest);
    if (!fs.existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
    const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css' };
    return route.fulfill({ body: fs.readFileSync(file), contentType: types[path.extname(file)] ?? 'application/octet-stream' });
  });
  const p2 = await context.newPage();
  const errs2 = [];
  p2.on('pageerror', (e) => errs2.push(String(e)));
  await p2.goto(`${env.server.url}course/kafka/?lesson=kraft-mode`);
  await p2.waitForSelector('#lesson-panel[data-lesson="kraft-mode"] #lesson-gate[data-kind="start"]', { timeout: 20_000 });
  assert.deepEqual(errs2, []);
  await p2.close();
  await context.unroute('**/course/kafka/**');
});

test('the page loads the build without the lesson player; choosing a lesson reloads it in the build that has one', async () => {
  const page = await env.browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const wasm = [];
  page.on('response', (r) => { if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname); });
  await page.goto(`${env.server.url}?mode=zookeeper&seed=5&speed=50`);
  await page.waitForSelector('[data-broker-id]');
  assert.deepEqual(wasm, ['/www/pkg/kafkascope_play_bg.wasm']);
  // A lesson chosen here: the page reloads with ?lesson= and the lesson player's build. The
  // lesson brings its own cluster: the address's mode and seed go, its speed stays.
  await page.selectOption('#lesson-select', 'replication-and-isr');
  await page.waitForSelector('#lesson-panel[data-lesson="replication-and-isr"] #lesson-gate[data-kind="start"]');
  const params = new URL(page.url()).searchParams;
  assert.deepEqual([params.get('lesson'), params.get('mode'), params.get('seed'), params.get('speed')],
    ['replication-and-isr', null, null, '50']);
  assert.deepEqual(wasm, ['/www/pkg/kafkascope_play_bg.wasm', '/www/pkg/kafkascope_web_bg.wasm']);
  // Free play from there stays in that build, in place.
  await page.selectOption('#lesson-select', '');
  await page.waitForFunction(() => !document.querySelector('#lesson-panel'));
  assert.equal(wasm.length, 2);
  // Each choice is a history entry: Back returns to the lesson, then to the page as first
  // opened; Forward to the lesson again.
  await page.goBack();
  await page.waitForSelector('#lesson-panel[data-lesson="replication-and-isr"] #lesson-gate[data-kind="start"]');
  assert.equal(new URL(page.url()).searchParams.get('lesson'), 'replication-and-isr');
  await page.goBack();
  await page.waitForSelector('[data-broker-id]');
  assert.equal(new URL(page.url()).searchParams.get('lesson'), null);
  assert.equal(await page.$eval('#lesson-select', (e) => e.value), '');
  assert.equal(await page.locator('#lesson-panel').count(), 0);
  await page.goForward();
  await page.waitForSelector('#lesson-panel[data-lesson="replication-and-isr"]');
  // In the lesson build, another lesson chosen in place: Back returns to the one before.
  await page.selectOption('#lesson-select', 'kraft-mode');
  await page.waitForSelector('#lesson-panel[data-lesson="kraft-mode"] #lesson-gate[data-kind="start"]');
  await page.goBack();
  await page.waitForSelector('#lesson-panel[data-lesson="replication-and-isr"] #lesson-gate[data-kind="start"]');
  assert.deepEqual(errors, []);
  await page.close();
});

test('every lesson in lessons/ is in the Lesson select and runs in the page to its end with every check holding', async () => {
  const names = fs.readdirSync(path.join(ROOT, 'lessons')).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?speed=1000`);
  const listed = await page.$$eval('#lesson-select option', (os) => os.map((o) => o.value).filter((v) => v));
  assert.deepEqual([...listed].sort(), names);
  for (const name of names) {
    const file = JSON.parse(fs.readFileSync(path.join(ROOT, 'lessons', `${name}.json`), 'utf8'));
    const gates = file.steps.flatMap((s, i) => {
      if (s.action === 'question') return [`question@${s.at}#${i}`];
      return s.action === 'pause' ? [`pause@${s.at}`] : [];
    });
    await page.selectOption('#lesson-select', name);
    await page.waitForSelector(`#lesson-panel[data-lesson="${name}"] #lesson-gate[data-kind="start"]`);
    const stops = [];
    for (;;) {
      // Where the clock stopped: kind, time and (for a question) its step.
      const here = await page.$eval('#lesson-gate', (g) => {
        const q = document.querySelector('#lesson-question');
        return `${g.dataset.kind}@${g.dataset.at}${q ? `#${q.dataset.step}` : ''}`;
      });
      if (here.startsWith('end')) break;
      if (here.startsWith('question')) {
        const step = Number(here.split('#')[1]);
        await page.check(`#lesson-choice-${file.steps[step].answer}`);
      }
      if (!here.startsWith('start')) stops.push(here);
      await page.click('#lesson-continue');
      await page.waitForFunction((prev) => {
        const g = document.querySelector('#lesson-gate');
        const q = document.querySelector('#lesson-question');
        return g && `${g.dataset.kind}@${g.dataset.at}${q ? `#${q.dataset.step}` : ''}` !== prev;
      }, here, { timeout: 120_000 });
    }
    assert.deepEqual(stops, gates, `${name}: the clock stopped at every question and pause`);
    assert.equal(await page.$eval('#cluster', (e) => e.dataset.time), String(file.run_until ?? (file.steps.at(-1).at + 10000)));
    const states = await page.$$eval('#lesson-checks > li', (els) => els.map((e) => e.dataset.state));
    const expects = file.steps.filter((s) => s.action === 'expect').length;
    assert.deepEqual(states, Array(expects).fill('holds'), `${name}: every check holds`);
    const questions = file.steps.filter((s) => s.action === 'question').length;
    assert.equal(await page.textContent('#lesson-score'), `You answered ${questions} of ${questions} questions right.`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('after an unclean election the old leader\'s records the new leader lacks are marked before it truncates them', async () => {
  // A lesson opened at a later time starts there (its questions before then skipped).
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?lesson=unclean-leader-election&t=17500&paused=1`);
  await page.waitForSelector('#lesson-panel');
  await page.waitForSelector('#cluster[data-time="17500"]');
  await page.selectOption('#partition-select', 'ledger-0');
  await page.waitForSelector('#partition-diverged');
  const diverged = await page.$$eval('#partition-rows [data-row-broker="2"] [data-diverged="true"]', (els) => els.map((e) => e.dataset.offset));
  assert.deepEqual(diverged, ['3', '4', '5']);
  assert.equal(await page.locator('#partition-rows [data-row-broker="1"] [data-diverged]').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('Step back right after Steps retraces them one by one', async () => {
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?paused=1`);
  const time = () => page.$eval('#cluster', (e) => Number(e.dataset.time));
  const times = [await time()];
  for (let i = 0; i < 5; i++) {
    await page.click('#step');
    await page.waitForFunction((t) => Number(document.querySelector('#cluster').dataset.time) > t, times.at(-1));
    times.push(await time());
  }
  for (let i = 4; i >= 0; i--) {
    await page.click('#step-back');
    await page.waitForFunction((t) => Number(document.querySelector('#cluster').dataset.time) === t, times[i]);
  }
  assert.equal(await time(), times[0], `back where it started: ${times.join(', ')}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a lesson at 1280x800: a question comes into view in the lesson panel, not by scrolling the diagram away; checks at its time wait for the answer; acting says the story no longer matches, and Restart starts it over', async () => {
  const { page, errors } = await openApp(env.browser.context, `${env.server.url}?lesson=replication-and-isr&speed=1000`);
  await page.waitForSelector('#lesson-gate[data-kind="start"]');
  await page.click('#lesson-gate button');
  await page.waitForSelector('#lesson-gate[data-kind="question"][data-at="4500"]', { timeout: 30_000 });
  await page.waitForTimeout(300);
  const view = await page.evaluate(() => {
    const box = (s) => { const r = document.querySelector(s).getBoundingClientRect(); return [r.top, r.bottom]; };
    return { scrollY, h: innerHeight, cluster: box('#cluster'), gate: box('#lesson-gate'), active: document.activeElement?.id };
  });
  assert.equal(view.scrollY, 0, JSON.stringify(view));
  assert.ok(view.cluster[0] >= 0 && view.cluster[1] <= view.h, `the diagram is in view: ${JSON.stringify(view)}`);
  assert.ok(view.gate[0] >= 0 && view.gate[1] <= view.h, `the question is in view: ${JSON.stringify(view)}`);
  assert.equal(view.active, 'lesson-gate');
  // The check made at the question's time (placed before it in the file) would give the
  // answer away: it waits, and names the records by when they were sent, not by step number.
  const atQuestion = await page.$$eval('#lesson-checks > li', (els) => els
    .filter((e) => e.querySelector('time').textContent === '4.500 s')
    .map((e) => ({ state: e.dataset.state, text: e.textContent })));
  assert.ok(atQuestion.length > 0);
  for (const c of atQuestion) {
    assert.equal(c.state, 'after-answer', c.text);
    assert.doesNotMatch(c.text, /steps\[/);
  }
  assert.ok(atQuestion.some((c) => /records sent at 3\.500 s/.test(c.text)), JSON.stringify(atQuestion));
  // The learner acts: the panel says the lesson's story and the cluster have parted.
  assert.equal(await page.locator('#lesson-off-script').count(), 0);
  await page.focus('[data-broker-id="2"]');
  await page.keyboard.press('Enter');
  await page.click('#broker-crash');
  await page.waitForSelector('#lesson-off-script');
  assert.match(await page.textContent('#lesson-off-script'), /You changed the cluster at 4\.500 s/);
  await page.click('#lesson-restart');
  await page.waitForSelector('#lesson-gate[data-kind="start"]');
  assert.equal(await page.locator('#lesson-off-script').count(), 0);
  assert.ok(Number(await page.$eval('#cluster', (e) => e.dataset.time)) < 1000);
  assert.equal(await page.$eval('[data-broker-id="2"]', (e) => e.dataset.up), 'true');
  assert.deepEqual(errors, []);
  await page.close();
});
