//! One voter's Raft state machine (KIP-595): epochs, randomized election timeouts, Vote with
//! the log comparison rule and at most one vote per epoch, BeginQuorumEpoch, pull-based
//! replication (Fetch with fetch offset and last fetched epoch, diverging-epoch answers),
//! a high watermark that only counts a majority and only moves once a record of the
//! leader's own epoch is committed, and check-quorum resignation.
//!
//! What survives a crash (the `quorum-state` file and the log): `epoch`, `voted_for`,
//! `leader`, `log`. Everything else is rebuilt.

use super::controller::ActiveController;
use super::log::MetadataLog;
use super::messages::{KraftEvent, KraftMessage, KraftTimer};
use super::records::MetadataRecord;
use crate::collections::{LiteMap, SortedSet, map_from_iter, sort_by};
use crate::config::{CoordinatorConfig, Millis};
use crate::controller::metadata::ClusterMetadata;
use crate::event::EventKind;
use crate::ids::NodeId;
use crate::kernel::Ctx;
use crate::message::Message;
use crate::snapshot::RaftState;
use crate::timer::{ControllerTimer, Timer};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// How long a leader holds a fetch that has nothing new (`KafkaRaftClient.MAX_FETCH_WAIT_MS`).
pub const FETCH_MAX_WAIT_MS: Millis = 500;
/// Backoff before retrying a fetch answered with an error (`retry.backoff.ms` order).
pub const RETRY_BACKOFF_MS: Millis = 50;
/// Base of the candidate's binary exponential election backoff
/// (`KafkaRaftClient.RETRY_BACKOFF_BASE_MS`).
pub const ELECTION_BACKOFF_BASE_MS: Millis = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaftTimeouts {
    pub election_ms: Millis,
    pub fetch_ms: Millis,
    pub backoff_max_ms: Millis,
    pub request_ms: Millis,
}

impl RaftTimeouts {
    pub fn from_config(c: &CoordinatorConfig) -> Self {
        Self {
            election_ms: c.controller_quorum_election_timeout_ms,
            fetch_ms: c.controller_quorum_fetch_timeout_ms,
            backoff_max_ms: c.controller_quorum_election_backoff_max_ms,
            request_ms: c.controller_quorum_request_timeout_ms,
        }
    }

    /// Check quorum: a leader resigns when no majority fetched within 1.5 x the fetch timeout.
    pub fn check_quorum_ms(&self) -> Millis {
        self.fetch_ms * 3 / 2
    }
}

/// A fetch the leader holds until new data, a HW change, or its max wait.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ParkedFetch {
    pub from: NodeId,
    pub fetch_offset: u64,
    #[serde(default)]
    pub correlation: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LeaderState {
    /// Offset of this epoch's LeaderChange record: the HW moves only past it.
    pub epoch_start_offset: u64,
    /// Each other voter's fetch offset (its log end as far as the leader knows).
    pub voter_offsets: LiteMap<i32, u64>,
    /// When each other voter last fetched (check quorum, BeginQuorumEpoch resends).
    pub last_fetch: LiteMap<i32, Millis>,
    pub parked: LiteMap<u64, ParkedFetch>,
    pub(super) next_park_id: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Role {
    Unattached,
    Voted,
    Candidate {
        votes: SortedSet<i32>,
        /// The election timed out; waiting a random backoff before the next one.
        backing_off: bool,
    },
    Leader(Box<LeaderState>),
    Follower,
    Resigned,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Voter {
    pub id: i32,
    pub voters: Vec<i32>,
    pub timeouts: RaftTimeouts,
    pub up: bool,
    // --- durable: quorum-state file and log ---
    pub epoch: i32,
    pub voted_for: Option<i32>,
    pub leader: Option<i32>,
    pub log: MetadataLog,
    // --- volatile ---
    pub role: Role,
    pub high_watermark: u64,
    /// When the election timer (fetch timeout for a follower) fires, if armed.
    pub election_deadline: Option<Millis>,
    generation: u64,
    pub(super) fetch_seq: u64,
    pub(super) fetch_pending: Option<u64>,
    /// Elections lost in a row (sizes the backoff).
    election_retries: u32,
    /// Replay of this voter's committed prefix: what it takes over with, no reload needed.
    pub image: ClusterMetadata,
    pub applied: u64,
    /// Each broker's registered incarnation and broker epoch, from committed records (a
    /// registration resent to a new controller is then answered, not redone).
    pub incarnations: LiteMap<crate::ids::BrokerId, (u64, u64)>,
    /// Present while this voter is the active controller.
    pub active: Option<ActiveController>,
}

pub(super) fn timer(t: KraftTimer) -> Timer {
    Timer::Controller(ControllerTimer::Kraft(t))
}

pub(super) fn kraft(e: KraftEvent) -> EventKind {
    EventKind::Kraft(e)
}

impl Voter {
    pub fn new(id: i32, voters: Vec<i32>, timeouts: RaftTimeouts) -> Self {
        Self {
            id,
            voters,
            timeouts,
            up: true,
            epoch: 0,
            voted_for: None,
            leader: None,
            log: MetadataLog::default(),
            role: Role::Unattached,
            high_watermark: 0,
            election_deadline: None,
            generation: 0,
            fetch_seq: 0,
            fetch_pending: None,
            election_retries: 0,
            image: ClusterMetadata::default(),
            applied: 0,
            incarnations: LiteMap::new_vec(),
            active: None,
        }
    }

    pub fn node(&self) -> NodeId {
        NodeId::Controller(self.id)
    }

    pub fn majority(&self) -> usize {
        self.voters.len() / 2 + 1
    }

    /// The leader to name in answers: only while following or leading (a resigned or
    /// restarted voter's remembered leader may be gone).
    pub fn known_leader(&self) -> Option<i32> {
        match self.role {
            Role::Leader(_) | Role::Follower if self.up => self.leader,
            _ => None,
        }
    }

    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader(_))
    }

    pub fn state(&self) -> RaftState {
        match self.role {
            Role::Unattached => RaftState::Unattached,
            Role::Voted => RaftState::Voted,
            Role::Candidate { .. } => RaftState::Candidate,
            Role::Leader(_) => RaftState::Leader,
            Role::Follower => RaftState::Follower,
            Role::Resigned => RaftState::Resigned,
        }
    }

    fn others(&self) -> Vec<i32> {
        self.voters
            .iter()
            .copied()
            .filter(|&v| v != self.id)
            .collect()
    }

    // --- timers ---

    pub(super) fn arm_election_timer(&mut self, ctx: &mut Ctx, delay: Millis) {
        self.generation += 1;
        self.election_deadline = Some(ctx.now() + delay);
        ctx.set_timer(
            delay,
            timer(KraftTimer::Election {
                generation: self.generation,
            }),
        );
    }

    /// `controller.quorum.election.timeout.ms` randomized to T + rand[0, T).
    fn randomized_election_timeout(&self, ctx: &mut Ctx) -> Millis {
        let t = self.timeouts.election_ms;
        t + ctx.rng().random_range(0..t.max(1))
    }

    fn arm_randomized_election_timer(&mut self, ctx: &mut Ctx) {
        let d = self.randomized_election_timeout(ctx);
        self.arm_election_timer(ctx, d);
    }

    fn disarm_election_timer(&mut self) {
        self.generation += 1;
        self.election_deadline = None;
    }

    pub fn on_election_timer(&mut self, ctx: &mut Ctx, generation: u64) {
        if generation != self.generation {
            return;
        }
        self.election_deadline = None;
        match &mut self.role {
            Role::Leader(_) => {}
            Role::Follower => self.become_candidate(ctx, true),
            Role::Candidate { backing_off, .. } if !*backing_off => {
                // Lost or split election: binary exponential backoff before the next one,
                // base * rand[0, 2^retries), capped by controller.quorum.election.backoff.max.ms.
                *backing_off = true;
                let slots = 1u64 << self.election_retries.clamp(1, 10);
                let d = (ELECTION_BACKOFF_BASE_MS * ctx.rng().random_range(0..slots))
                    .min(self.timeouts.backoff_max_ms);
                self.arm_election_timer(ctx, d);
            }
            Role::Candidate { .. } | Role::Unattached | Role::Voted | Role::Resigned => {
                self.become_candidate(ctx, false)
            }
        }
    }

    // --- transitions ---

    /// Bootstrap: leader of `epoch` with the log already committed (the cluster starts
    /// running).
    pub fn bootstrap_leader(&mut self, ctx: &mut Ctx, epoch: i32) {
        self.epoch = epoch;
        self.voted_for = Some(self.id);
        self.leader = Some(self.id);
        self.high_watermark = self.log.end_offset();
        self.role = Role::Leader(Box::new(self.new_leader_state(ctx.now(), 0)));
        self.arm_leader_timers(ctx);
    }

    pub fn bootstrap_follower(&mut self, ctx: &mut Ctx, epoch: i32, leader: i32) {
        self.epoch = epoch;
        self.leader = Some(leader);
        self.high_watermark = self.log.end_offset();
        self.role = Role::Follower;
        self.arm_election_timer(ctx, self.timeouts.fetch_ms);
        self.send_fetch(ctx);
    }

    /// After a restart: resume from the quorum-state file (KafkaRaftClient does the same).
    pub fn restart(&mut self, ctx: &mut Ctx) {
        self.up = true;
        self.high_watermark = 0;
        self.image = ClusterMetadata::default();
        self.incarnations.clear();
        self.applied = 0;
        self.active = None;
        self.fetch_pending = None;
        match self.leader {
            Some(l) if l == self.id => {
                self.role = Role::Resigned;
                self.arm_randomized_election_timer(ctx);
            }
            Some(_) => {
                self.role = Role::Follower;
                self.arm_election_timer(ctx, self.timeouts.fetch_ms);
                self.send_fetch(ctx);
            }
            None => {
                self.role = if self.voted_for.is_some() {
                    Role::Voted
                } else {
                    Role::Unattached
                };
                self.arm_randomized_election_timer(ctx);
            }
        }
    }

    pub fn crash(&mut self) {
        self.up = false;
        self.role = Role::Unattached;
        self.active = None;
        self.election_deadline = None;
        self.fetch_pending = None;
    }

    fn leave_leadership(&mut self, ctx: &mut Ctx, reason: &str) {
        if self.is_leader() {
            ctx.emit(kraft(KraftEvent::Resigned {
                voter: self.id,
                epoch: self.epoch,
                reason: reason.to_string(),
            }));
        }
        if self.active.take().is_some() {
            ctx.emit(EventKind::ControllerResigned {
                controller: self.node(),
                epoch: self.epoch,
            });
        }
    }

    /// A higher epoch was seen with no known leader.
    pub(super) fn become_unattached(&mut self, ctx: &mut Ctx, epoch: i32) {
        self.leave_leadership(ctx, &format!("saw the higher epoch {epoch}"));
        self.epoch = epoch;
        self.voted_for = None;
        self.leader = None;
        self.role = Role::Unattached;
        self.fetch_pending = None;
        self.arm_randomized_election_timer(ctx);
    }

    fn become_candidate(&mut self, ctx: &mut Ctx, fetch_timeout: bool) {
        self.leave_leadership(ctx, "became a candidate");
        self.epoch += 1;
        self.election_retries += 1;
        self.voted_for = Some(self.id);
        self.leader = None;
        self.fetch_pending = None;
        self.role = Role::Candidate {
            votes: SortedSet::from([self.id]),
            backing_off: false,
        };
        ctx.emit(kraft(KraftEvent::BecameCandidate {
            voter: self.id,
            epoch: self.epoch,
            fetch_timeout,
        }));
        if self.majority() == 1 {
            self.become_leader(ctx);
            return;
        }
        for v in self.others() {
            ctx.send(
                NodeId::Controller(v),
                Message::Kraft(KraftMessage::Vote {
                    epoch: self.epoch,
                    candidate: self.id,
                    last_epoch: self.log.last_epoch(),
                    end_offset: self.log.end_offset(),
                }),
            );
        }
        self.arm_randomized_election_timer(ctx);
    }

    fn new_leader_state(&self, now: Millis, epoch_start_offset: u64) -> LeaderState {
        LeaderState {
            epoch_start_offset,
            voter_offsets: map_from_iter(self.others().into_iter().map(|v| (v, 0))),
            // A new leader gives every voter a full check-quorum period.
            last_fetch: map_from_iter(self.others().into_iter().map(|v| (v, now))),
            parked: LiteMap::new_vec(),
            next_park_id: 0,
        }
    }

    fn arm_leader_timers(&mut self, ctx: &mut Ctx) {
        self.disarm_election_timer();
        if self.voters.len() > 1 {
            ctx.set_timer(
                self.timeouts.check_quorum_ms(),
                timer(KraftTimer::CheckQuorum { epoch: self.epoch }),
            );
            ctx.set_timer(
                self.timeouts.request_ms,
                timer(KraftTimer::BeginQuorumRetry { epoch: self.epoch }),
            );
        }
    }

    fn become_leader(&mut self, ctx: &mut Ctx) {
        let votes = match &self.role {
            Role::Candidate { votes, .. } => votes.iter().copied().collect(),
            _ => vec![self.id],
        };
        self.leader = Some(self.id);
        self.election_retries = 0;
        let start = self.log.append(
            self.epoch,
            MetadataRecord::LeaderChange {
                epoch: self.epoch,
                leader: self.id,
                voters: self.voters.clone(),
            },
        );
        self.role = Role::Leader(Box::new(self.new_leader_state(ctx.now(), start)));
        ctx.emit(kraft(KraftEvent::LeaderElected {
            voter: self.id,
            epoch: self.epoch,
            votes,
        }));
        for v in self.others() {
            self.send_begin_quorum(ctx, v);
        }
        self.arm_leader_timers(ctx);
        self.maybe_advance_high_watermark(ctx);
    }

    fn send_begin_quorum(&self, ctx: &mut Ctx, to: i32) {
        ctx.send(
            NodeId::Controller(to),
            Message::Kraft(KraftMessage::BeginQuorumEpoch {
                epoch: self.epoch,
                leader: self.id,
            }),
        );
    }

    pub(super) fn become_follower(&mut self, ctx: &mut Ctx, epoch: i32, leader: i32) {
        if epoch > self.epoch {
            self.leave_leadership(ctx, &format!("saw the higher epoch {epoch}"));
            self.voted_for = None;
        }
        self.epoch = epoch;
        self.leader = Some(leader);
        self.role = Role::Follower;
        self.election_retries = 0;
        ctx.emit(kraft(KraftEvent::FollowingLeader {
            voter: self.id,
            leader,
            epoch,
        }));
        self.arm_election_timer(ctx, self.timeouts.fetch_ms);
        self.send_fetch(ctx);
    }

    // --- Vote ---

    pub fn on_vote(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        epoch: i32,
        candidate: i32,
        last_epoch: i32,
        end_offset: u64,
    ) {
        if epoch > self.epoch {
            self.become_unattached(ctx, epoch);
        }
        let granted = self.decide_vote(epoch, candidate, last_epoch, end_offset);
        match &granted {
            Ok(()) => {
                self.voted_for = Some(candidate);
                self.role = Role::Voted;
                self.arm_randomized_election_timer(ctx);
                ctx.emit(kraft(KraftEvent::VoteGranted {
                    voter: self.id,
                    candidate,
                    epoch,
                }));
            }
            Err(reason) => ctx.emit(kraft(KraftEvent::VoteRejected {
                voter: self.id,
                candidate,
                epoch,
                reason: reason.clone(),
            })),
        }
        ctx.send(
            from,
            Message::Kraft(KraftMessage::VoteResponse {
                epoch: self.epoch,
                granted: granted.is_ok(),
                leader: self.known_leader(),
            }),
        );
    }

    /// The vote rules: the request's epoch is ours, we have not voted for someone else in it,
    /// know no leader of it, and the candidate's log is at least as up to date as ours
    /// (compare last epoch, then end offset).
    pub fn decide_vote(
        &self,
        epoch: i32,
        candidate: i32,
        last_epoch: i32,
        end_offset: u64,
    ) -> Result<(), String> {
        if epoch < self.epoch {
            return Err(format!("its epoch {epoch} is older than {}", self.epoch));
        }
        if let Some(l) = self.leader {
            return Err(format!("it already follows leader {l} in this epoch"));
        }
        if let Some(v) = self.voted_for
            && v != candidate
        {
            return Err(format!("it already voted for {v} in this epoch"));
        }
        let mine = (self.log.last_epoch(), self.log.end_offset());
        if (last_epoch, end_offset) < mine {
            return Err(format!(
                "the candidate's log (last epoch {last_epoch}, end offset {end_offset}) is behind ({}, {})",
                mine.0, mine.1
            ));
        }
        Ok(())
    }

    pub fn on_vote_response(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        epoch: i32,
        granted: bool,
        leader: Option<i32>,
    ) {
        if epoch > self.epoch {
            match leader {
                Some(l) if l != self.id => self.become_follower(ctx, epoch, l),
                _ => self.become_unattached(ctx, epoch),
            }
            return;
        }
        let NodeId::Controller(voter) = from else {
            return;
        };
        let majority = self.majority();
        let Role::Candidate { votes, backing_off } = &mut self.role else {
            return;
        };
        if epoch != self.epoch || !granted || *backing_off {
            return;
        }
        votes.insert(voter);
        if votes.len() >= majority {
            self.become_leader(ctx);
        }
    }

    // --- BeginQuorumEpoch ---

    pub fn on_begin_quorum_epoch(&mut self, ctx: &mut Ctx, from: NodeId, epoch: i32, leader: i32) {
        let newer = epoch > self.epoch;
        let same_epoch_not_following =
            epoch == self.epoch && !matches!(self.role, Role::Follower | Role::Leader(_));
        if newer || same_epoch_not_following {
            self.become_follower(ctx, epoch, leader);
        }
        ctx.send(
            from,
            Message::Kraft(KraftMessage::BeginQuorumEpochResponse { epoch: self.epoch }),
        );
    }

    pub fn on_begin_quorum_retry(&mut self, ctx: &mut Ctx, epoch: i32) {
        if epoch != self.epoch {
            return;
        }
        let now = ctx.now();
        let Role::Leader(ls) = &self.role else {
            return;
        };
        let stale: Vec<i32> = ls
            .last_fetch
            .iter()
            .filter(|&(_, &t)| now.saturating_sub(t) >= self.timeouts.request_ms)
            .map(|(&v, _)| v)
            .collect();
        for v in stale {
            self.send_begin_quorum(ctx, v);
        }
        ctx.set_timer(
            self.timeouts.request_ms,
            timer(KraftTimer::BeginQuorumRetry { epoch }),
        );
    }

    // --- check quorum ---

    pub fn on_check_quorum(&mut self, ctx: &mut Ctx, epoch: i32) {
        if epoch != self.epoch {
            return;
        }
        let Role::Leader(ls) = &self.role else {
            return;
        };
        // The majority's oldest recent fetch: the leader counts itself.
        let mut times: Vec<Millis> = ls.last_fetch.values().copied().collect();
        sort_by(&mut times, |a, b| b.cmp(a));
        let needed = self.majority() - 1;
        let Some(&t) = times.get(needed.saturating_sub(1)) else {
            return;
        };
        let deadline = t + self.timeouts.check_quorum_ms();
        let now = ctx.now();
        if now >= deadline {
            let secs = crate::seconds::seconds(self.timeouts.check_quorum_ms());
            self.leave_leadership(ctx, &format!("no majority fetched for {secs} s"));
            self.role = Role::Resigned;
            // It stays in its epoch; a new leader needs a new epoch, and this voter may run.
            self.complete_parked_with_error(ctx);
            self.arm_randomized_election_timer(ctx);
        } else {
            ctx.set_timer(deadline - now, timer(KraftTimer::CheckQuorum { epoch }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NetworkConfig;
    use crate::kernel::Kernel;
    use crate::network::Network;
    use rand::SeedableRng;

    fn kernel() -> Kernel {
        Kernel::new(
            rand_pcg::Pcg64Mcg::seed_from_u64(7),
            Network::new(NetworkConfig {
                latency_ms: 1,
                jitter_ms: 0,
                loss: 0.0,
            }),
        )
    }

    fn voter_with_log(epochs: &[i32]) -> Voter {
        let timeouts = RaftTimeouts {
            election_ms: 1_000,
            fetch_ms: 2_000,
            backoff_max_ms: 1_000,
            request_ms: 2_000,
        };
        let mut v = Voter::new(101, vec![100, 101, 102], timeouts);
        for &e in epochs {
            v.log.append(
                e,
                MetadataRecord::LeaderChange {
                    epoch: e,
                    leader: 100,
                    voters: vec![100, 101, 102],
                },
            );
        }
        v.epoch = *epochs.last().unwrap_or(&0);
        v
    }

    fn granted(k: &mut Kernel) -> Vec<bool> {
        k.drain_events()
            .into_iter()
            .filter_map(|e| match e.kind {
                EventKind::MessageSent { message, .. } => match &*message {
                    Message::Kraft(KraftMessage::VoteResponse { granted, .. }) => Some(*granted),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_voter_rejects_a_candidate_whose_log_is_behind_by_last_epoch_then_end_offset() {
        let v = voter_with_log(&[1, 1, 2, 2]);
        // Older last epoch loses even with a longer log.
        assert!(v.decide_vote(3, 100, 1, 10).is_err());
        // Same last epoch, shorter log loses.
        assert!(v.decide_vote(3, 100, 2, 3).is_err());
        // Same last epoch and end offset, or newer epoch, wins.
        assert!(v.decide_vote(3, 100, 2, 4).is_ok());
        assert!(v.decide_vote(3, 100, 3, 1).is_ok());
        // A stale epoch is refused.
        assert!(v.decide_vote(1, 100, 9, 99).is_err());
    }

    #[test]
    fn a_voter_never_votes_twice_in_one_epoch_and_its_vote_survives_a_restart() {
        let mut k = kernel();
        let mut v = voter_with_log(&[1]);
        let ctx = &mut Ctx::new(NodeId::Controller(101), &mut k);
        v.on_vote(ctx, NodeId::Controller(100), 2, 100, 1, 1);
        v.on_vote(ctx, NodeId::Controller(102), 2, 102, 1, 1);
        // The same candidate asking again gets the same answer.
        v.on_vote(ctx, NodeId::Controller(100), 2, 100, 1, 1);
        assert_eq!(granted(ctx.k), vec![true, false, true]);
        assert_eq!((v.epoch, v.voted_for), (2, Some(100)));
        // The quorum-state file keeps the vote across a crash.
        v.crash();
        v.restart(ctx);
        assert_eq!(v.state(), RaftState::Voted);
        v.on_vote(ctx, NodeId::Controller(102), 2, 102, 1, 1);
        assert_eq!(granted(ctx.k), vec![false]);
        // A higher epoch is a fresh vote.
        v.on_vote(ctx, NodeId::Controller(102), 3, 102, 1, 1);
        assert_eq!(granted(ctx.k), vec![true]);
        assert_eq!((v.epoch, v.voted_for), (3, Some(102)));
    }

    #[test]
    fn the_leader_commits_only_on_a_majority_and_only_once_its_own_epoch_record_is_in() {
        let mut k = kernel();
        let mut v = voter_with_log(&[1, 1, 1]);
        let ctx = &mut Ctx::new(NodeId::Controller(101), &mut k);
        v.epoch = 1;
        v.become_candidate(ctx, true);
        v.on_vote_response(ctx, NodeId::Controller(100), 2, true, None);
        assert!(v.is_leader());
        // Its LeaderChange is at offset 3; one follower at offset 3 is not enough to commit
        // the older epoch's entries alone.
        assert_eq!(v.log.end_offset(), 4);
        let hw0 = v.high_watermark;
        v.on_fetch(ctx, NodeId::Controller(102), 102, false, 2, (3, 0), 1, 0);
        assert_eq!(
            v.high_watermark, hw0,
            "nothing of epoch 2 is on a majority yet"
        );
        // An observer's fetch never counts.
        v.on_fetch(ctx, NodeId::Broker(1), 1, true, 2, (4, 0), 2, 0);
        assert_eq!(v.high_watermark, hw0);
        v.on_fetch(ctx, NodeId::Controller(102), 102, false, 2, (4, 0), 2, 0);
        assert_eq!(v.high_watermark, 4);
    }

    fn fetches_sent(k: &mut Kernel) -> Vec<u64> {
        k.drain_events()
            .into_iter()
            .filter_map(|e| match e.kind {
                EventKind::MessageSent { message, .. } => match &*message {
                    Message::Kraft(KraftMessage::FetchMetadata { correlation, .. }) => {
                        Some(*correlation)
                    }
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_follower_acts_only_on_the_answer_to_its_latest_fetch() {
        let mut k = kernel();
        let mut v = voter_with_log(&[1]);
        let ctx = &mut Ctx::new(NodeId::Controller(101), &mut k);
        v.become_follower(ctx, 1, 100);
        let first = fetches_sent(ctx.k);
        assert_eq!(first.len(), 1);
        // The request timeout passes: the fetch is sent again under a new correlation id.
        v.on_retry_fetch(ctx, first[0]);
        let retry = fetches_sent(ctx.k);
        assert_eq!(retry.len(), 1);
        assert_ne!(retry, first);
        // The first fetch's late answer is dropped: no second fetch loop starts.
        v.on_fetch_response(ctx, first[0], 1, Some(100), None, None, &[], 0);
        assert!(fetches_sent(ctx.k).is_empty());
        // The retry's answer is acted on: one next fetch.
        v.on_fetch_response(ctx, retry[0], 1, Some(100), None, None, &[], 0);
        assert_eq!(fetches_sent(ctx.k).len(), 1);
    }
}
