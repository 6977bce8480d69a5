//! Time travel over a session. A simulation's state is a function of its start, its seed and
//! the inputs applied to it at known points, so any past moment can be rebuilt: restore the
//! nearest checkpoint (a clone taken as the session ran) and replay the logged inputs and the
//! scheduled events up to that moment.
//!
//! [`Timeline`] owns the live state. It is generic over [`Replay`], implemented here for
//! [`Sim`] (inputs are [`Command`]s) and by the web app's world (which adds its own derived
//! state and drivers). Every change is a *transition*: one scheduled event processed or one
//! input applied; a state's *position* counts them, so a replay applies each input exactly
//! where it first was, even among events at the same millisecond.
//!
//! Seeking into the past keeps the future: playing on replays it, logged inputs included.
//! Applying an input while viewing the past forks: every later input is dropped (and counted),
//! and the session ends where the new input is.
//!
//! With a window ([`CheckpointPolicy::window_ms`]), time travel covers only the last part of
//! the session: older checkpoints are dropped, so memory does not grow with the session's
//! length. The first checkpoint (the session's origin) and the inputs are kept, so the whole
//! session can still be replayed from its start ([`Timeline::rewind`]).

use crate::command::{Command, CommandOutcome};
use crate::config::Millis;
use crate::error::KafkaError;
use crate::sim::Sim;

/// A deterministic state machine that a [`Timeline`] can checkpoint and replay.
pub trait Replay: Clone {
    type Input: Clone;
    type Output;
    type Error;

    fn now(&self) -> Millis;
    /// Transitions made so far: every processed event and every applied input counts one.
    fn position(&self) -> u64;
    /// Events emitted so far; a transition that emitted none changed nothing visible.
    fn events_emitted(&self) -> u64;
    /// Time of the next scheduled transition.
    fn next_time(&self) -> Option<Millis>;
    /// Makes the next scheduled transition if it is due at or before `limit`.
    fn step_until(&mut self, limit: Millis) -> bool;
    /// Moves the clock forward to `t` (never back) without any transition.
    fn set_clock(&mut self, t: Millis);
    /// Applies an input now; on error nothing changed and the position did not move.
    fn apply_input(&mut self, input: Self::Input) -> Result<Self::Output, Self::Error>;
    /// A copy to keep as a checkpoint (a clone, less any buffered output).
    fn checkpoint(&mut self) -> Self {
        self.clone()
    }
}

impl Replay for Sim {
    type Input = Command;
    type Output = CommandOutcome;
    type Error = KafkaError;

    fn now(&self) -> Millis {
        Sim::now(self)
    }
    fn position(&self) -> u64 {
        self.steps() + self.commands_applied()
    }
    fn events_emitted(&self) -> u64 {
        Sim::events_emitted(self)
    }
    fn next_time(&self) -> Option<Millis> {
        self.next_event_time()
    }
    fn step_until(&mut self, limit: Millis) -> bool {
        Sim::step_until(self, limit)
    }
    fn set_clock(&mut self, t: Millis) {
        self.advance_clock(t);
    }
    fn apply_input(&mut self, input: Command) -> Result<CommandOutcome, KafkaError> {
        self.apply(input)
    }
    /// Buffered events are output, not state: a checkpoint does not copy them.
    fn checkpoint(&mut self) -> Self {
        self.k.compact();
        let events = self.k.take_events();
        let copy = self.clone();
        self.k.restore_events(events);
        copy
    }
}

/// An input with where it was applied.
#[derive(Clone, Debug)]
pub struct Logged<I> {
    pub at: Millis,
    /// The position just before it was applied.
    pub position: u64,
    pub input: I,
}

#[derive(Clone, Debug)]
struct Checkpoint<W> {
    state: W,
    /// Logged inputs already applied in `state`.
    inputs: usize,
}

/// How often checkpoints are taken and how many are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckpointPolicy {
    /// Simulated time between checkpoints: a seek replays at most this much.
    pub interval_ms: Millis,
    /// When there are more, every second one is dropped and the interval doubles.
    pub max_checkpoints: usize,
    /// Time travel covers at most this much simulated time before the session's end (None:
    /// the whole session). Checkpoints older than that are dropped, except the first.
    pub window_ms: Option<Millis>,
}

impl Default for CheckpointPolicy {
    fn default() -> Self {
        Self {
            interval_ms: 1_000,
            max_checkpoints: 4_096,
            window_ms: None,
        }
    }
}

/// An input applied through the timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied<O> {
    pub output: O,
    /// Whether it was applied in the past, ending the session there (forking the timeline).
    pub forked: bool,
    /// Later inputs dropped because this one was applied in the past (0 at the end).
    pub dropped: usize,
}

/// The live state, its checkpoints and the inputs logged with their positions.
#[derive(Clone)]
pub struct Timeline<W: Replay> {
    live: W,
    policy: CheckpointPolicy,
    checkpoints: Vec<Checkpoint<W>>,
    inputs: Vec<Logged<W::Input>>,
    /// Logged inputs applied in `live` (fewer than `inputs.len()` while viewing the past).
    applied: usize,
    /// The furthest point the session reached: time and position.
    end: Millis,
    end_position: u64,
    /// With a window: where it starts (never moves back, even when a fork ends the session
    /// earlier, since the checkpoints before it are gone).
    window_start: Millis,
}

impl<W: Replay> Timeline<W> {
    pub fn new(live: W) -> Self {
        Self::with_policy(live, CheckpointPolicy::default())
    }

    /// Starts a timeline at `live`'s current state (its first checkpoint).
    pub fn with_policy(mut live: W, policy: CheckpointPolicy) -> Self {
        assert!(policy.interval_ms > 0 && policy.max_checkpoints >= 2);
        let first = Checkpoint {
            state: live.checkpoint(),
            inputs: 0,
        };
        Self {
            end: live.now(),
            end_position: live.position(),
            live,
            policy,
            checkpoints: vec![first],
            inputs: Vec::new(),
            applied: 0,
            window_start: 0,
        }
    }

    /// The state now (what is shown).
    pub fn live(&self) -> &W {
        &self.live
    }

    /// The live state, for reading what the timeline does not track (e.g. draining output).
    /// Changing its course through this breaks replay; apply inputs with [`Timeline::apply`].
    pub fn live_mut(&mut self) -> &mut W {
        &mut self.live
    }

    pub fn now(&self) -> Millis {
        self.live.now()
    }

    /// When the next transition happens (a logged input to replay or a scheduled event).
    pub fn next_time(&self) -> Option<Millis> {
        let input = self.inputs.get(self.applied).map(|i| i.at);
        [input, self.live.next_time()].into_iter().flatten().min()
    }

    /// The earliest time a seek can show: the session's origin, or with a window the start
    /// of the window (the last `window_ms` before the session's end).
    pub fn start(&self) -> Millis {
        let window = self
            .policy
            .window_ms
            .map_or(0, |w| self.end.saturating_sub(w));
        self.origin().max(self.window_start).max(window)
    }

    /// When the session started (its first checkpoint, which is always kept).
    pub fn origin(&self) -> Millis {
        self.checkpoints[0].state.now()
    }

    /// The furthest time the session reached.
    pub fn end(&self) -> Millis {
        self.end
    }

    /// Whether the live state is in the past (there is a logged future ahead of it).
    pub fn in_past(&self) -> bool {
        self.live.position() < self.end_position || self.applied < self.inputs.len()
    }

    pub fn inputs(&self) -> &[Logged<W::Input>] {
        &self.inputs
    }

    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    /// Times of the checkpoints, oldest first.
    pub fn checkpoint_times(&self) -> impl Iterator<Item = Millis> + '_ {
        self.checkpoints.iter().map(|c| c.state.now())
    }

    /// Every checkpoint's state (for measuring what they cost).
    pub fn checkpoint_states(&self) -> impl Iterator<Item = &W> + '_ {
        self.checkpoints.iter().map(|c| &c.state)
    }

    pub fn policy(&self) -> CheckpointPolicy {
        self.policy
    }

    fn note_end(&mut self) {
        let p = self.live.position();
        if p >= self.end_position {
            self.end_position = p;
            self.end = self.end.max(self.live.now());
        }
    }

    fn maybe_checkpoint(&mut self) {
        let last = self.checkpoints.last().expect("the first is never dropped");
        let due = last.state.now() + self.policy.interval_ms;
        // Only ahead of every checkpoint (in new territory or a forked future).
        if self.live.now() < due || self.live.position() <= last.state.position() {
            return;
        }
        let state = self.live.checkpoint();
        self.checkpoints.push(Checkpoint {
            state,
            inputs: self.applied,
        });
        self.drop_outside_window();
        if self.checkpoints.len() > self.policy.max_checkpoints {
            self.thin();
        }
    }

    /// With a window, drops the checkpoints before the window (but the first, the origin, and
    /// the last one at or before the window's start, from which a seek into it replays).
    fn drop_outside_window(&mut self) {
        let Some(w) = self.policy.window_ms else {
            return;
        };
        let cutoff = self.end.saturating_sub(w);
        self.window_start = self.window_start.max(cutoff);
        // Checkpoints 1..i are all before the last one at or before the cutoff.
        let i = self.checkpoints[1..].partition_point(|c| c.state.now() <= cutoff);
        if i > 1 {
            self.checkpoints.drain(1..i);
        }
    }

    /// Drops every second checkpoint (keeping the first and the last) and doubles the interval.
    fn thin(&mut self) {
        let n = self.checkpoints.len();
        let mut i = 0;
        self.checkpoints.retain(|_| {
            let keep = i % 2 == 0 || i == n - 1;
            i += 1;
            keep
        });
        self.policy.interval_ms *= 2;
    }

    /// Makes every transition at or before `t`, replaying logged inputs where they were
    /// applied, stopping at position `stop` at the latest; then moves the clock to `t`.
    fn forward(&mut self, t: Millis, stop: u64) {
        loop {
            let pos = self.live.position();
            if pos >= stop {
                break;
            }
            if let Some(next) = self.inputs.get(self.applied)
                && next.position == pos
            {
                if next.at > t {
                    break;
                }
                let input = next.input.clone();
                self.live.set_clock(next.at);
                let ok = self.live.apply_input(input).is_ok();
                debug_assert!(ok, "a logged input failed on replay: nondeterminism");
                self.applied += 1;
                self.note_end();
                continue;
            }
            if !self.live.step_until(t) {
                break;
            }
            self.note_end();
            self.maybe_checkpoint();
        }
        if self.live.position() < stop || stop == u64::MAX {
            self.live.set_clock(t);
        }
        self.note_end();
    }

    /// Plays on to `t`: replays the logged future first, if viewing the past, then runs into
    /// new time, taking checkpoints as it goes.
    pub fn advance_to(&mut self, t: Millis) {
        self.forward(t, u64::MAX);
    }

    /// Makes the next transition (or applies the next logged input), whenever it is due.
    /// Returns its time, or None when nothing is scheduled.
    pub fn step(&mut self) -> Option<Millis> {
        let pos = self.live.position();
        let next_input = self
            .inputs
            .get(self.applied)
            .filter(|i| i.position == pos)
            .map(|i| i.at);
        let t = next_input.or_else(|| self.live.next_time())?;
        self.forward(t, pos + 1);
        Some(t)
    }

    fn restore(&mut self, i: usize) {
        let cp = &self.checkpoints[i];
        self.live = cp.state.clone();
        self.applied = cp.inputs;
    }

    /// The latest checkpoint at or before time `t` and position `pos`.
    fn checkpoint_before(&self, t: Millis, pos: u64) -> usize {
        let i = self
            .checkpoints
            .partition_point(|c| c.state.now() <= t && c.state.position() <= pos);
        i.saturating_sub(1)
    }

    /// Goes back to the session's origin (even before a window): for replaying the whole
    /// session, e.g. to export it. Seeks clamp to [`Timeline::start`] again afterwards.
    pub fn rewind(&mut self) {
        self.restore(0);
    }

    /// Shows the state at simulated time `t`: every transition at or before `t` made, none
    /// after. Clamped to the session (its start and its end). Returns the time shown.
    pub fn seek(&mut self, t: Millis) -> Millis {
        let t = t.clamp(self.start(), self.end);
        let (stop, clock) = if t >= self.end {
            (self.end_position, self.end)
        } else {
            (u64::MAX, t)
        };
        self.seek_to(clock, stop);
        self.live.now()
    }

    /// Restores the state at position `stop` (or everything at or before `t` if sooner).
    fn seek_to(&mut self, t: Millis, stop: u64) {
        // Replay from the live state when it is on the way (a short scrub forward).
        let pos = self.live.position();
        let cp = self.checkpoint_before(t, stop);
        let cp_pos = self.checkpoints[cp].state.position();
        let live_usable = self.live.now() <= t && pos <= stop && pos >= cp_pos;
        if !live_usable {
            self.restore(cp);
        }
        self.forward(t, stop);
        self.live.set_clock(t);
    }

    /// Goes back to just before the last transition at or before now that emitted an event.
    /// Returns the time shown, or None at the start of the session.
    pub fn step_back(&mut self) -> Option<Millis> {
        let now = self.live.now();
        let pos = self.live.position();
        // Search back checkpoint by checkpoint for the last transition that changed anything.
        let mut cp = self.checkpoint_before(now, pos.saturating_sub(1));
        loop {
            self.restore(cp);
            let mut found = None;
            while self.live.position() < pos {
                let before = (self.live.position(), self.live.events_emitted());
                let t = match self.inputs.get(self.applied) {
                    Some(i) if i.position == before.0 => i.at,
                    _ => match self.live.next_time() {
                        Some(t) => t,
                        None => break,
                    },
                };
                self.forward(t, before.0 + 1);
                if self.live.events_emitted() > before.1 {
                    found = Some((before.0, t));
                }
            }
            if let Some((p, t)) = found.filter(|&(_, t)| t >= self.start()) {
                self.restore(cp);
                self.forward(t, p);
                self.live.set_clock(t);
                return Some(t);
            }
            if cp == 0 || self.checkpoints[cp].state.now() <= self.start() {
                // Nothing happened since the start: show the start.
                let start = self.start();
                if start == self.origin() {
                    self.restore(0);
                } else {
                    self.restore(self.checkpoint_before(start, u64::MAX));
                    self.forward(start, u64::MAX);
                    self.live.set_clock(start);
                }
                return None;
            }
            cp -= 1;
        }
    }

    /// Applies an input now and logs it. In the past, this forks the timeline: every later
    /// input is dropped (their count is returned) and the session ends here. A refused input
    /// changes nothing, not even the future.
    pub fn apply(&mut self, input: W::Input) -> Result<Applied<W::Output>, W::Error> {
        let at = self.live.now();
        let position = self.live.position();
        let output = self.live.apply_input(input.clone())?;
        let dropped = self.inputs.len() - self.applied;
        let forked = self.in_past_of(position);
        if forked {
            self.inputs.truncate(self.applied);
            self.checkpoints.retain(|c| c.state.position() <= position);
            self.end = at;
            self.end_position = position;
        }
        self.inputs.push(Logged {
            at,
            position,
            input,
        });
        self.applied += 1;
        self.note_end();
        Ok(Applied {
            output,
            forked,
            dropped,
        })
    }

    fn in_past_of(&self, position: u64) -> bool {
        position < self.end_position || self.applied < self.inputs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ClusterConfig, Profile};
    use crate::ids::NodeId;
    use crate::message::TopicConfig;

    fn sim() -> Sim {
        let mut sim = Sim::new(ClusterConfig::new(Profile::Teaching, 3), 5).unwrap();
        sim.apply(Command::CreateTopic {
            name: "orders".into(),
            partitions: 3,
            replication_factor: 3,
            config: TopicConfig::default(),
        })
        .unwrap();
        sim.apply(Command::AddProducer {
            id: 0,
            acks: None,
            keyless: None,
            linger_ms: None,
        })
        .unwrap();
        sim
    }

    fn produce(n: u32) -> Command {
        Command::Produce {
            producer: 0,
            topic: "orders".into(),
            key: Some(format!("k{n}")),
            value: format!("v{n}"),
            partition: None,
            count: None,
        }
    }

    fn snap(tl: &Timeline<Sim>) -> String {
        serde_json::to_string(&tl.live().snapshot()).unwrap()
    }

    /// A session: records every 100 ms, a crash at 2.5 s and a restart at 6 s, to 10 s.
    fn session(policy: CheckpointPolicy) -> Timeline<Sim> {
        let mut tl = Timeline::with_policy(sim(), policy);
        for i in 0..100u32 {
            let t = 500 + i as Millis * 100;
            tl.advance_to(t);
            tl.apply(produce(i)).unwrap();
            if t == 2_500 {
                tl.apply(Command::Crash {
                    node: NodeId::Broker(1),
                })
                .unwrap();
            }
            if t == 6_000 {
                tl.apply(Command::Restart {
                    node: NodeId::Broker(1),
                })
                .unwrap();
            }
        }
        tl.advance_to(12_000);
        tl
    }

    fn policy() -> CheckpointPolicy {
        CheckpointPolicy {
            interval_ms: 700,
            max_checkpoints: 1_000,
            window_ms: None,
        }
    }

    /// The session played to `t` only, never seeking.
    fn played_to(t: Millis) -> Timeline<Sim> {
        let log = session(policy()).inputs().to_vec();
        let mut fresh = Timeline::with_policy(sim(), policy());
        for l in log.iter().filter(|l| l.at <= t) {
            // As the session did: two inputs at one time with nothing run between them.
            if l.at > fresh.now() {
                fresh.advance_to(l.at);
            }
            fresh.apply(l.input.clone()).unwrap();
        }
        fresh.advance_to(t);
        fresh
    }

    #[test]
    fn a_seek_shows_the_state_a_straight_run_had_then() {
        let mut tl = session(policy());
        assert!(tl.checkpoint_count() > 10);
        for t in [
            0, 1, 499, 500, 2_500, 2_501, 3_333, 6_000, 9_999, 11_000, 700, 5_000,
        ] {
            let fresh = played_to(t);
            let mut replayed = session(policy());
            replayed.seek(t);
            assert_eq!(snap(&replayed), snap(&fresh), "seek to {t}");
            assert_eq!(replayed.live().position(), fresh.live().position());
            tl.seek(t);
            assert_eq!(snap(&tl), snap(&fresh), "seek to {t} after other seeks");
        }
    }

    #[test]
    fn seek_then_play_on_is_identical_to_never_seeking() {
        let reference = session(policy());
        let mut tl = session(policy());
        tl.seek(3_210);
        assert!(tl.in_past());
        tl.advance_to(12_000);
        assert!(!tl.in_past());
        assert_eq!(snap(&tl), snap(&reference));
        assert_eq!(
            tl.live().command_log().to_vec(),
            reference.live().command_log().to_vec()
        );
        assert_eq!(
            tl.live().events_emitted(),
            reference.live().events_emitted()
        );
    }

    #[test]
    fn seek_clamps_to_the_session() {
        let reference = session(policy());
        let mut tl = session(policy());
        assert_eq!(tl.seek(0), tl.start());
        assert_eq!(snap(&tl), snap(&played_to(0)));
        assert_eq!(tl.seek(99_999), 12_000);
        assert_eq!(snap(&tl), snap(&reference));
        assert_eq!(tl.live().position(), reference.live().position());
    }

    #[test]
    fn step_back_goes_to_just_before_the_last_event() {
        let mut tl = session(policy());
        tl.seek(2_500);
        let emitted = tl.live().events_emitted();
        let pos = tl.live().position();
        let t = tl.step_back().unwrap();
        assert!(t <= 2_500);
        assert!(tl.live().position() < pos);
        assert!(tl.live().events_emitted() < emitted);
        // One step forward makes that transition again; the ones after it up to where we
        // were emitted nothing.
        let (back_pos, back_emitted) = (tl.live().position(), tl.live().events_emitted());
        tl.step();
        assert_eq!(tl.live().position(), back_pos + 1);
        assert!(tl.live().events_emitted() > back_emitted);
        while tl.live().position() < pos {
            tl.step();
        }
        assert_eq!(tl.live().events_emitted(), emitted);
        // Stepping back twice lands earlier again.
        tl.seek(2_500);
        let t1 = tl.step_back().unwrap();
        let p1 = tl.live().position();
        tl.step_back().unwrap();
        assert!(tl.live().position() < p1 && tl.now() <= t1);
    }

    #[test]
    fn step_back_then_step_returns_to_the_same_state() {
        let mut tl = session(policy());
        tl.seek(4_000);
        // Step forward until a transition emits, then back over it.
        let before = snap(&tl);
        let pos = tl.live().position();
        tl.step_back().unwrap();
        while tl.live().position() < pos {
            tl.step();
        }
        tl.live_mut().set_clock(4_000);
        assert_eq!(snap(&tl), before);
    }

    #[test]
    fn acting_in_the_past_drops_the_future_and_the_new_future_is_deterministic() {
        let fork = |tl: &mut Timeline<Sim>| {
            tl.seek(3_000);
            let a = tl
                .apply(Command::Crash {
                    node: NodeId::Broker(2),
                })
                .unwrap();
            tl.advance_to(9_000);
            tl.apply(produce(999)).unwrap();
            tl.advance_to(15_000);
            a
        };
        let mut a = session(policy());
        let total = a.inputs().len();
        let later = a.inputs().iter().filter(|l| l.at > 3_000).count();
        let applied = fork(&mut a);
        assert_eq!(applied.dropped, later);
        assert!(later > 0 && later < total);
        assert_eq!(a.inputs().len(), total - later + 2);
        assert!(!a.in_past());
        let mut b = session(policy());
        fork(&mut b);
        assert_eq!(snap(&a), snap(&b));
        // The new future replays like any other.
        let end = snap(&a);
        a.seek(4_000);
        a.advance_to(15_000);
        assert_eq!(snap(&a), end);
        // And acting at the end drops nothing.
        assert_eq!(a.apply(produce(1_000)).unwrap().dropped, 0);
    }

    #[test]
    fn a_refused_command_in_the_past_keeps_the_future() {
        let mut tl = session(policy());
        let n = tl.inputs().len();
        tl.seek(1_000);
        assert!(
            tl.apply(Command::Restart {
                node: NodeId::Broker(1)
            })
            .is_err()
        );
        assert_eq!(tl.inputs().len(), n);
        assert_eq!(tl.end(), 12_000);
    }

    #[test]
    fn thinning_keeps_checkpoints_bounded_and_seeks_exact() {
        let small = CheckpointPolicy {
            interval_ms: 100,
            max_checkpoints: 8,
            window_ms: None,
        };
        let mut tl = session(small);
        assert!(tl.checkpoint_count() <= 8);
        assert!(tl.policy().interval_ms > 100);
        let reference = session(policy());
        tl.seek(5_000);
        tl.advance_to(12_000);
        assert_eq!(snap(&tl), snap(&reference));
    }

    #[test]
    fn a_window_bounds_the_checkpoints_and_seeks_stay_exact_inside_it() {
        let windowed = CheckpointPolicy {
            window_ms: Some(3_000),
            ..policy()
        };
        let mut tl = session(windowed);
        let reference = session(policy());
        assert_eq!((tl.origin(), tl.end()), (reference.start(), 12_000));
        assert_eq!(tl.start(), 9_000);
        // The origin, the last checkpoint at or before 9 s, and those after it (700 ms apart).
        let times: Vec<Millis> = tl.checkpoint_times().collect();
        assert_eq!(times[0], reference.start());
        assert!(times[1] <= 9_000 && times[2] > 9_000, "{times:?}");
        assert!(tl.checkpoint_count() <= 2 + 3_000 / 700 + 1, "{times:?}");
        // Before the window, a seek shows the window's start.
        assert_eq!(tl.seek(1_000), 9_000);
        assert_eq!(snap(&tl), snap(&played_to(9_000)));
        for t in [9_500, 10_200, 12_000] {
            tl.seek(t);
            assert_eq!(snap(&tl), snap(&played_to(t)), "at {t}");
        }
        // Stepping back stops at the window's start.
        tl.seek(9_300);
        while tl.step_back().is_some() {
            assert!(tl.now() >= 9_000);
        }
        assert_eq!(tl.now(), 9_000);
        // The whole session can still be replayed from its origin, inputs included.
        tl.rewind();
        assert_eq!(tl.now(), reference.start());
        tl.advance_to(12_000);
        assert_eq!(snap(&tl), snap(&reference));
    }

    #[test]
    fn a_fork_in_the_window_keeps_its_start() {
        let windowed = CheckpointPolicy {
            window_ms: Some(3_000),
            ..policy()
        };
        let mut tl = session(windowed);
        tl.seek(10_000);
        tl.apply(produce(500)).unwrap();
        // The session now ends at 10 s; the window still starts at 9 s (not 7 s: the
        // checkpoints before 9 s are gone).
        assert_eq!((tl.start(), tl.end()), (9_000, 10_000));
        assert_eq!(tl.seek(0), 9_000);
    }

    #[test]
    fn a_sim_keeping_no_command_log_replays_the_same() {
        let mut tl = session(policy());
        let mut lean = sim();
        lean.limit_command_log(Some(0));
        let mut lean = Timeline::with_policy(lean, policy());
        for l in tl.inputs().to_vec() {
            if l.at > lean.now() {
                lean.advance_to(l.at);
            }
            lean.apply(l.input).unwrap();
        }
        lean.advance_to(12_000);
        assert_eq!(snap(&lean), snap(&tl));
        assert!(lean.live().command_log().is_empty());
        assert_eq!(
            lean.live().commands_applied(),
            tl.live().command_log().len() as u64
        );
        tl.seek(4_000);
        lean.seek(4_000);
        assert_eq!(snap(&lean), snap(&tl));
    }
}
