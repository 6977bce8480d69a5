//! ZAB's leader election and synchronisation: looking servers vote; the best of a fresh
//! majority proposes a new epoch with its history; a majority of acks establishes it.

use super::*;

impl ZkServer {
    pub(super) fn go_looking(&mut self, ctx: &mut Ctx, ens: &Ensemble) {
        // Clients lose their connection (and the watches they left here) at once.
        for &client in self.connections.values() {
            send(ctx, client, ZkMessage::ConnectionClosed);
        }
        self.reset_volatile();
        self.role = ZkServerRole::Looking;
        ctx.emit(EventKind::Zk(ZkEvent::ServerLooking { server: self.id }));
        self.broadcast_vote(ctx, ens);
    }

    pub(super) fn broadcast_vote(&mut self, ctx: &mut Ctx, ens: &Ensemble) {
        for &s in ens.servers.iter().filter(|&&s| s != self.id) {
            send(
                ctx,
                zk(s),
                ZkMessage::ZabVote {
                    accepted_epoch: self.accepted_epoch,
                    last_zxid: self.last_zxid(),
                },
            );
        }
    }

    pub(super) fn try_elect(&mut self, ctx: &mut Ctx, ens: &Ensemble) {
        let now = ctx.now();
        let fresh: Vec<(i32, u32, Zxid)> = self
            .votes
            .iter()
            .filter(|(_, v)| now.saturating_sub(v.2) <= 2 * ens.tick_ms)
            .map(|(&s, v)| (s, v.0, v.1))
            .collect();
        if fresh.len() + 1 < ens.majority() {
            return;
        }
        let me = (self.last_zxid(), self.id);
        if fresh.iter().any(|&(s, _, z)| (z, s) > me) {
            return;
        }
        let epoch = fresh
            .iter()
            .map(|v| v.1)
            .chain([self.accepted_epoch])
            .max()
            .unwrap_or(0)
            + 1;
        self.accepted_epoch = epoch;
        self.accepted_leader = Some(self.id);
        self.epoch = epoch;
        self.role = ZkServerRole::Leader;
        self.leader_id = Some(self.id);
        self.votes.clear();
        self.leader = Some(LeaderState {
            since: now,
            ..LeaderState::default()
        });
        let committed = self.committed_zxid();
        for (s, _, _) in fresh {
            self.leader
                .as_mut()
                .expect("leader")
                .followers
                .insert(s, None);
            send(
                ctx,
                zk(s),
                ZkMessage::ZabNewLeader {
                    epoch,
                    log: self.log.clone(),
                    committed,
                },
            );
        }
    }

    pub(super) fn on_new_leader(
        &mut self,
        ctx: &mut Ctx,
        leader: i32,
        epoch: u32,
        log: &[Txn],
        committed: Zxid,
    ) {
        let same = epoch == self.accepted_epoch && self.accepted_leader == Some(leader);
        if self.role != ZkServerRole::Looking || !(epoch > self.accepted_epoch || same) {
            return;
        }
        self.accepted_epoch = epoch;
        self.accepted_leader = Some(leader);
        // Take the leader's history. What this server applied is a prefix of it (a committed
        // transaction is in every later leader's history); if not, rebuild from the history.
        let applied_ok = self.committed == 0
            || log.get(self.committed - 1).map(|t| t.zxid)
                == Some(self.log[self.committed - 1].zxid);
        self.log = log.to_vec();
        if !applied_ok {
            self.tree = DataTree::initial();
            self.committed = 0;
        }
        self.committed = self.committed.min(self.log.len());
        self.commit_through(ctx, committed);
        self.role = ZkServerRole::Follower;
        self.leader_id = Some(leader);
        self.epoch = epoch;
        self.serving = false;
        self.votes.clear();
        self.last_heard_leader = ctx.now();
        send(
            ctx,
            zk(leader),
            ZkMessage::ZabAckNewLeader {
                epoch,
                last_zxid: self.last_zxid(),
            },
        );
    }

    pub(super) fn on_ack_new_leader(
        &mut self,
        ctx: &mut Ctx,
        ens: &Ensemble,
        s: i32,
        epoch: u32,
        last_zxid: Zxid,
    ) {
        if !self.leads(epoch) {
            return;
        }
        let now = ctx.now();
        let st = self.leader.as_mut().expect("leader");
        st.followers.insert(s, Some(now));
        st.synced.insert(s);
        for (z, a) in st.acks.iter_mut() {
            if *z <= last_zxid {
                a.insert(s);
            }
        }
        if !st.established && st.synced.len() + 1 >= ens.majority() {
            st.established = true;
            self.serving = true;
            // The new leader's history is committed as a whole.
            let n = self.log.len();
            self.commit_upto(ctx, n);
            let st = self.leader.as_mut().expect("leader");
            st.proposed = self.tree.clone();
            st.next_counter = 1;
            for (&sess, info) in &self.tree.sessions {
                st.session_deadlines.insert(sess, now + info.timeout_ms);
                st.last_ping.insert(sess, now);
            }
            ctx.emit(EventKind::Zk(ZkEvent::LeaderElected {
                server: self.id,
                epoch,
            }));
            let followers: Vec<i32> = st.synced.iter().copied().collect();
            let committed = self.committed_zxid();
            for f in followers {
                send(ctx, zk(f), ZkMessage::ZabUpToDate { epoch, committed });
            }
        } else if st.established {
            let committed = self.committed_zxid();
            send(ctx, zk(s), ZkMessage::ZabUpToDate { epoch, committed });
            self.maybe_commit(ctx, ens);
        }
    }
}
