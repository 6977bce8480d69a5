//! A ZooKeeper server running a simplified ZAB.
//!
//! - Election: a looking server votes for itself with its last logged zxid, every tick. A
//!   looking server that hears fresh votes from a majority (itself included) and has the
//!   highest (last zxid, id) among them proposes itself for a new epoch, sending its history
//!   (`ZabNewLeader`). A server acks at most one leader per epoch.
//! - Sync: the prospective leader is established once a majority acked its history; it then
//!   commits that history and tells its followers they are up to date. Only then do they serve.
//! - Broadcast: writes go to the leader, which validates them, proposes them in zxid order,
//!   commits each on a majority of acks, and every server applies commits in order.
//! - Liveness: the leader pings every tick; a follower that hears nothing for `syncLimit`
//!   ticks, or a leader that no longer hears a majority, goes back to looking and serves
//!   nothing. The transaction log, the commit point and the data tree survive a crash.
//! - Sessions are tracked by the leader: pings to followers reach it with the followers' ping
//!   acks; a session not pinged for its timeout is closed by a transaction, which deletes its
//!   ephemeral znodes.

mod clients;
mod election;

use super::datatree::{DataTree, Txn, TxnKind, Zxid, zxid, zxid_epoch};
use super::messages::{Forwarded, SessionId, WatchKind, ZkAnswer, ZkError, ZkEvent, ZkMessage};
use super::messages::{ZkRead, ZkRequest, ZkTimer};
use crate::collections::{LiteMap, SortedSet};
use crate::config::Millis;
use crate::event::EventKind;
use crate::ids::NodeId;
use crate::kernel::Ctx;
use crate::message::Message;
use crate::snapshot::ZkServerRole;
use crate::timer::{ControllerTimer, Timer};
use serde::{Deserialize, Serialize};

/// ZooKeeper's `syncLimit`, in ticks.
pub const SYNC_LIMIT_TICKS: u64 = 5;

/// What every server knows about the ensemble.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Ensemble {
    pub servers: Vec<i32>,
    pub tick_ms: Millis,
}

impl Ensemble {
    pub fn majority(&self) -> usize {
        self.servers.len() / 2 + 1
    }

    fn sync_limit_ms(&self) -> Millis {
        SYNC_LIMIT_TICKS * self.tick_ms
    }
}

fn send(ctx: &mut Ctx, to: NodeId, m: ZkMessage) {
    ctx.send(to, Message::Zk(m));
}

fn zk(id: i32) -> NodeId {
    NodeId::ZooKeeper(id)
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct LeaderState {
    /// Servers sent this leader's history (they get every proposal after it), with when
    /// each was last heard.
    pub followers: LiteMap<i32, Option<Millis>>,
    /// Servers that acked this leader's history.
    pub synced: SortedSet<i32>,
    pub established: bool,
    pub since: Millis,
    /// Acks of proposals not committed yet.
    pub acks: LiteMap<Zxid, SortedSet<i32>>,
    /// The tree with every proposal applied: writes are validated against it.
    pub proposed: DataTree,
    pub next_counter: u32,
    pub session_deadlines: LiteMap<SessionId, Millis>,
    pub last_ping: LiteMap<SessionId, Millis>,
    pub closing: SortedSet<SessionId>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ZkServer {
    pub id: i32,
    pub up: bool,
    pub role: ZkServerRole,
    // --- on disk ---
    pub accepted_epoch: u32,
    /// The leader whose history this server acked in `accepted_epoch`.
    pub accepted_leader: Option<i32>,
    /// The transaction log: every accepted proposal, in zxid order.
    pub log: Vec<Txn>,
    /// How many entries of `log` are committed (and applied to `tree`).
    pub committed: usize,
    pub tree: DataTree,
    // --- in memory ---
    pub epoch: u32,
    pub leader_id: Option<i32>,
    /// A synced follower or an established leader: it serves clients.
    pub serving: bool,
    pub leader: Option<LeaderState>,
    votes: LiteMap<i32, (u32, Zxid, Millis)>,
    last_heard_leader: Millis,
    /// Client sessions connected here, with the client node.
    pub connections: LiteMap<SessionId, NodeId>,
    /// Messages sent on each client connection (a ping's answer carries the count, so the
    /// client notices one went missing).
    sent_to: LiteMap<NodeId, u64>,
    /// Sessions pinged since the last ping ack to the leader (followers).
    touched: SortedSet<SessionId>,
    data_watches: LiteMap<String, SortedSet<NodeId>>,
    child_watches: LiteMap<String, SortedSet<NodeId>>,
}

impl ZkServer {
    pub fn new(id: i32, tree: DataTree, log: Vec<Txn>) -> Self {
        Self {
            id,
            up: true,
            role: ZkServerRole::Looking,
            accepted_epoch: 0,
            accepted_leader: None,
            committed: log.len(),
            log,
            tree,
            epoch: 0,
            leader_id: None,
            serving: false,
            leader: None,
            votes: LiteMap::new_vec(),
            last_heard_leader: 0,
            connections: LiteMap::new_vec(),
            sent_to: LiteMap::new_vec(),
            touched: SortedSet::new(),
            data_watches: LiteMap::new_vec(),
            child_watches: LiteMap::new_vec(),
        }
    }

    pub fn last_zxid(&self) -> Zxid {
        self.log.last().map_or(0, |t| t.zxid)
    }

    pub fn committed_zxid(&self) -> Zxid {
        self.committed
            .checked_sub(1)
            .map_or(0, |i| self.log[i].zxid)
    }

    /// At t=0: this server already follows (or leads) epoch 1, synced.
    pub fn start_synced(&mut self, leader: i32, now: Millis, ens: &Ensemble) {
        self.accepted_epoch = 1;
        self.accepted_leader = Some(leader);
        self.epoch = 1;
        self.leader_id = Some(leader);
        self.serving = true;
        self.last_heard_leader = now;
        if leader == self.id {
            self.role = ZkServerRole::Leader;
            let mut st = LeaderState {
                established: true,
                since: now,
                proposed: self.tree.clone(),
                next_counter: self.log.len() as u32 + 1,
                ..LeaderState::default()
            };
            for &s in ens.servers.iter().filter(|&&s| s != self.id) {
                st.followers.insert(s, Some(now));
                st.synced.insert(s);
            }
            for (&s, info) in &self.tree.sessions {
                st.session_deadlines.insert(s, now + info.timeout_ms);
                st.last_ping.insert(s, now);
            }
            self.leader = Some(st);
        } else {
            self.role = ZkServerRole::Follower;
        }
    }

    pub fn crash(&mut self) {
        self.up = false;
        self.reset_volatile();
        self.role = ZkServerRole::Looking;
    }

    fn reset_volatile(&mut self) {
        self.serving = false;
        self.leader = None;
        self.leader_id = None;
        self.votes.clear();
        self.connections.clear();
        self.sent_to.clear();
        self.touched.clear();
        self.data_watches.clear();
        self.child_watches.clear();
    }

    pub fn restart(&mut self, ctx: &mut Ctx, ens: &Ensemble) {
        self.up = true;
        self.go_looking(ctx, ens);
        ctx.set_timer(
            ens.tick_ms,
            Timer::Controller(ControllerTimer::Zk(ZkTimer::ServerTick)),
        );
    }

    pub fn on_tick(&mut self, ctx: &mut Ctx, ens: &Ensemble) {
        ctx.set_timer(
            ens.tick_ms,
            Timer::Controller(ControllerTimer::Zk(ZkTimer::ServerTick)),
        );
        let now = ctx.now();
        match self.role {
            ZkServerRole::Looking => {
                self.broadcast_vote(ctx, ens);
                self.try_elect(ctx, ens);
            }
            ZkServerRole::Follower => {
                if now.saturating_sub(self.last_heard_leader) > ens.sync_limit_ms() {
                    self.go_looking(ctx, ens);
                }
            }
            ZkServerRole::Leader => self.leader_tick(ctx, ens),
        }
    }

    fn leader_tick(&mut self, ctx: &mut Ctx, ens: &Ensemble) {
        let now = ctx.now();
        let limit = ens.sync_limit_ms();
        let committed = self.committed_zxid();
        let (epoch, id) = (self.epoch, self.id);
        let st = self.leader.as_mut().expect("leader state");
        if !st.established {
            if now.saturating_sub(st.since) > limit {
                self.go_looking(ctx, ens);
            }
            return;
        }
        let heard = 1 + st
            .followers
            .values()
            .filter(|t| t.is_some_and(|t| now.saturating_sub(t) <= limit))
            .count();
        if heard < ens.majority() {
            ctx.emit(EventKind::Zk(ZkEvent::QuorumLost { server: id }));
            self.go_looking(ctx, ens);
            return;
        }
        for &f in st.followers.keys() {
            send(ctx, zk(f), ZkMessage::ZabPing { epoch, committed });
        }
        // Session expiry: the leader closes sessions nobody pinged for their timeout.
        let expired: Vec<SessionId> = st
            .session_deadlines
            .iter()
            .filter(|(s, at)| **at <= now && !st.closing.contains(s))
            .map(|(s, _)| *s)
            .collect();
        for s in expired {
            let st = self.leader.as_mut().expect("leader");
            st.closing.insert(s);
            // Every session this leader tracks got a ping time with its deadline.
            let last = st.last_ping.get(&s).copied().unwrap_or(now);
            let kind = TxnKind::CloseSession {
                session: s,
                silent_ms: now.saturating_sub(last),
            };
            self.propose(ctx, ens, kind, None);
        }
    }

    /// Commits log entries up to index `upto` (exclusive), applying them in order, firing
    /// watches and answering the clients connected here.
    fn commit_upto(&mut self, ctx: &mut Ctx, upto: usize) {
        let now = ctx.now();
        while self.committed < upto.min(self.log.len()) {
            let txn = self.log[self.committed].clone();
            self.committed += 1;
            let is_leader = self.role == ZkServerRole::Leader;
            if let (true, TxnKind::CloseSession { session, silent_ms }) = (is_leader, &txn.kind) {
                // The silence the proposing leader measured: this leader may be committing
                // a predecessor's close from its history (a new leader commits the whole
                // log at once), and has no ping time of its own for the session.
                let st = self.leader.as_mut().expect("leader");
                st.session_deadlines.remove(session);
                st.last_ping.remove(session);
                st.closing.remove(session);
                if let Some(info) = self.tree.sessions.get(session) {
                    ctx.emit(EventKind::Zk(ZkEvent::SessionExpired {
                        broker: info.broker,
                        session: *session,
                        silent_ms: *silent_ms,
                        ephemerals: self.tree.ephemerals_of(*session),
                    }));
                }
            }
            if let (
                true,
                TxnKind::CreateSession {
                    session,
                    timeout_ms,
                    ..
                },
            ) = (is_leader, &txn.kind)
            {
                let st = self.leader.as_mut().expect("leader");
                st.session_deadlines.insert(*session, now + timeout_ms);
                st.last_ping.insert(*session, now);
            }
            let triggers = self.tree.apply(&txn);
            if let TxnKind::CloseSession { session, .. } = &txn.kind
                && let Some(client) = self.connections.remove(session)
            {
                self.out(ctx, client, ZkMessage::SessionExpired { session: *session });
            }
            for (path, kind) in triggers {
                let watchers = if kind == WatchKind::NodeChildrenChanged {
                    self.child_watches.remove(&path)
                } else {
                    self.data_watches.remove(&path)
                };
                for c in watchers.into_iter().flatten() {
                    self.out(
                        ctx,
                        c,
                        ZkMessage::WatchEvent {
                            path: path.clone(),
                            kind,
                        },
                    );
                }
            }
            let Some((server, client, xid)) = txn.reply_to else {
                continue;
            };
            if server != self.id {
                continue;
            }
            match txn.kind {
                TxnKind::CreateSession {
                    session, broker, ..
                } => {
                    self.connections.insert(session, client);
                    ctx.emit(EventKind::Zk(ZkEvent::SessionCreated { broker, session }));
                    self.sent_to.insert(client, 0);
                    self.out(ctx, client, ZkMessage::Connected { session });
                }
                TxnKind::Multi { .. } => self.out(
                    ctx,
                    client,
                    ZkMessage::Response {
                        xid,
                        result: Ok(ZkAnswer::Written),
                    },
                ),
                TxnKind::CloseSession { .. } => {}
            }
        }
    }

    fn commit_through(&mut self, ctx: &mut Ctx, z: Zxid) {
        let upto = self.log.partition_point(|t| t.zxid <= z);
        self.commit_upto(ctx, upto);
    }

    /// Leader: give a transaction the next zxid and broadcast it.
    fn propose(
        &mut self,
        ctx: &mut Ctx,
        ens: &Ensemble,
        kind: TxnKind,
        reply_to: Option<(i32, NodeId, u64)>,
    ) {
        let (epoch, id) = (self.epoch, self.id);
        let st = self.leader.as_mut().expect("leader");
        let z = zxid(epoch, st.next_counter);
        st.next_counter += 1;
        let kind = match kind {
            TxnKind::CreateSession {
                broker, timeout_ms, ..
            } => TxnKind::CreateSession {
                session: z,
                broker,
                timeout_ms,
            },
            k => k,
        };
        let txn = Txn {
            zxid: z,
            kind,
            reply_to,
        };
        st.proposed.apply(&txn);
        st.acks.insert(z, SortedSet::from([id]));
        for &f in st.followers.keys() {
            send(
                ctx,
                zk(f),
                ZkMessage::ZabProposal {
                    epoch,
                    txn: txn.clone(),
                },
            );
        }
        self.log.push(txn);
        self.maybe_commit(ctx, ens);
    }

    fn maybe_commit(&mut self, ctx: &mut Ctx, ens: &Ensemble) {
        let epoch = self.epoch;
        loop {
            let Some(next) = self.log.get(self.committed) else {
                return;
            };
            let z = next.zxid;
            let st = self.leader.as_mut().expect("leader");
            if st.acks.get(&z).is_none_or(|a| a.len() < ens.majority()) {
                return;
            }
            st.acks.remove(&z);
            let followers: Vec<i32> = st.followers.keys().copied().collect();
            self.commit_upto(ctx, self.committed + 1);
            for f in followers {
                send(ctx, zk(f), ZkMessage::ZabCommit { epoch, zxid: z });
            }
        }
    }

    pub fn on_message(&mut self, ctx: &mut Ctx, ens: &Ensemble, from: NodeId, m: &ZkMessage) {
        let now = ctx.now();
        let peer = match from {
            NodeId::ZooKeeper(s) => Some(s),
            _ => None,
        };
        match (m, peer) {
            (
                ZkMessage::ZabVote {
                    accepted_epoch,
                    last_zxid,
                },
                Some(s),
            ) => match self.role {
                ZkServerRole::Looking => {
                    self.votes.insert(s, (*accepted_epoch, *last_zxid, now));
                    self.try_elect(ctx, ens);
                }
                ZkServerRole::Leader => {
                    // A looking server joins this leader: sync it; later proposals follow.
                    self.leader
                        .as_mut()
                        .expect("leader")
                        .followers
                        .insert(s, None);
                    let committed = self.committed_zxid();
                    send(
                        ctx,
                        zk(s),
                        ZkMessage::ZabNewLeader {
                            epoch: self.epoch,
                            log: self.log.clone(),
                            committed,
                        },
                    );
                }
                ZkServerRole::Follower => {}
            },
            (
                ZkMessage::ZabNewLeader {
                    epoch,
                    log,
                    committed,
                },
                Some(s),
            ) => self.on_new_leader(ctx, s, *epoch, log, *committed),
            (ZkMessage::ZabAckNewLeader { epoch, last_zxid }, Some(s)) => {
                self.on_ack_new_leader(ctx, ens, s, *epoch, *last_zxid)
            }
            (ZkMessage::ZabUpToDate { epoch, committed }, Some(s))
                if self.role == ZkServerRole::Follower
                    && self.leader_id == Some(s)
                    && self.epoch == *epoch =>
            {
                self.last_heard_leader = now;
                self.commit_through(ctx, *committed);
                if !self.serving {
                    self.serving = true;
                    ctx.emit(EventKind::Zk(ZkEvent::FollowerSynced {
                        server: self.id,
                        leader: s,
                        epoch: *epoch,
                    }));
                }
            }
            (ZkMessage::ZabProposal { epoch, txn }, Some(s)) if self.following(s, *epoch) => {
                self.last_heard_leader = now;
                let last = self.last_zxid();
                let expected = if zxid_epoch(last) == *epoch {
                    last + 1
                } else {
                    zxid(*epoch, 1)
                };
                if txn.zxid > expected {
                    // A gap: this server missed a proposal. Sync again.
                    self.go_looking(ctx, ens);
                    return;
                }
                if txn.zxid == expected {
                    self.log.push(txn.clone());
                }
                send(
                    ctx,
                    zk(s),
                    ZkMessage::ZabAck {
                        epoch: *epoch,
                        zxid: txn.zxid,
                    },
                );
            }
            (ZkMessage::ZabCommit { epoch, zxid }, Some(s)) if self.following(s, *epoch) => {
                self.last_heard_leader = now;
                self.commit_through(ctx, *zxid);
            }
            (ZkMessage::ZabPing { epoch, committed }, Some(s)) if self.following(s, *epoch) => {
                self.last_heard_leader = now;
                // Only an established leader pings: if its UpToDate was lost, this is it.
                self.commit_through(ctx, *committed);
                if !self.serving {
                    self.serving = true;
                    ctx.emit(EventKind::Zk(ZkEvent::FollowerSynced {
                        server: self.id,
                        leader: s,
                        epoch: *epoch,
                    }));
                }
                let touched = std::mem::take(&mut self.touched).into_iter().collect();
                send(
                    ctx,
                    zk(s),
                    ZkMessage::ZabPingAck {
                        epoch: *epoch,
                        touched,
                        last_zxid: self.last_zxid(),
                    },
                );
            }
            (ZkMessage::ZabAck { epoch, zxid }, Some(s)) if self.leads(*epoch) => {
                let st = self.leader.as_mut().expect("leader");
                st.followers.insert(s, Some(now));
                if let Some(a) = st.acks.get_mut(zxid) {
                    a.insert(s);
                }
                self.maybe_commit(ctx, ens);
            }
            (
                ZkMessage::ZabPingAck {
                    epoch,
                    touched,
                    last_zxid,
                },
                Some(s),
            ) if self.leads(*epoch) => {
                let st = self.leader.as_mut().expect("leader");
                st.followers.insert(s, Some(now));
                let acked = st.acks.iter_mut().take_while(|(z, _)| **z <= *last_zxid);
                for (_, a) in acked {
                    a.insert(s);
                }
                for &t in touched {
                    self.touch(now, t);
                }
                self.maybe_commit(ctx, ens);
            }
            (
                ZkMessage::ZabForward {
                    client,
                    xid,
                    request,
                },
                Some(s),
            ) if self.leads(self.epoch) && self.serving => {
                self.leader_handle(ctx, ens, s, *client, *xid, request);
            }
            (ZkMessage::ZabReject { client, xid, error }, Some(_)) => self.out(
                ctx,
                *client,
                ZkMessage::Response {
                    xid: *xid,
                    result: Err(*error),
                },
            ),
            (_, None) if self.serving => self.on_client(ctx, ens, from, m),
            _ => {}
        }
    }

    fn following(&self, leader: i32, epoch: u32) -> bool {
        self.role == ZkServerRole::Follower && self.leader_id == Some(leader) && self.epoch == epoch
    }

    fn leads(&self, epoch: u32) -> bool {
        self.role == ZkServerRole::Leader && self.epoch == epoch
    }
}
