//! What a serving ZooKeeper server does for clients: sessions and pings, reads with
//! one-shot watches, writes forwarded to the leader and validated there.

use super::*;
use crate::controller::zookeeper::datatree::{CONTROLLER_EPOCH, DataTree, ZnodeData};
use crate::controller::zookeeper::messages::ZkOp;

impl ZkServer {
    /// Sends to a client on its connection, counting.
    pub(super) fn out(&mut self, ctx: &mut Ctx, client: NodeId, m: ZkMessage) {
        let n = self.sent_to.entry(client).or_insert(0);
        *n += 1;
        let m = match m {
            ZkMessage::Pong { .. } => ZkMessage::Pong { sent: *n },
            m => m,
        };
        send(ctx, client, m);
    }

    /// Leaves a one-shot watch (a child watch when `child`), as a read with `watch` does.
    pub fn add_watch(&mut self, path: &str, client: NodeId, child: bool) {
        let w = if child {
            &mut self.child_watches
        } else {
            &mut self.data_watches
        };
        w.entry(path.to_string()).or_default().insert(client);
    }

    pub(super) fn touch(&mut self, now: Millis, s: SessionId) {
        if let Some(st) = self.leader.as_mut() {
            if let Some(info) = self.tree.sessions.get(&s)
                && !st.closing.contains(&s)
            {
                st.session_deadlines.insert(s, now + info.timeout_ms);
                st.last_ping.insert(s, now);
            }
        } else {
            self.touched.insert(s);
        }
    }

    /// The leader validates a write against everything proposed so far.
    pub(super) fn leader_handle(
        &mut self,
        ctx: &mut Ctx,
        ens: &Ensemble,
        origin: i32,
        client: NodeId,
        xid: u64,
        request: &Forwarded,
    ) {
        let reply_to = Some((origin, client, xid));
        match request {
            Forwarded::CreateSession { broker, timeout_ms } => self.propose(
                ctx,
                ens,
                TxnKind::CreateSession {
                    session: 0,
                    broker: *broker,
                    timeout_ms: *timeout_ms,
                },
                reply_to,
            ),
            Forwarded::Write { session, ops } => {
                let st = self.leader.as_ref().expect("leader");
                let check = if !st.proposed.sessions.contains_key(session)
                    || st.closing.contains(session)
                {
                    Err(ZkError::SessionExpired)
                } else {
                    st.proposed.validate(ops)
                };
                if check == Err(ZkError::BadVersion)
                    && let Some(epoch) = stale_controller_write(&st.proposed, ops)
                {
                    let controller = st.proposed.sessions.get(session).map_or(-1, |s| s.broker);
                    ctx.emit(EventKind::Zk(ZkEvent::ZombieWriteRejected {
                        controller,
                        epoch,
                    }));
                }
                match check {
                    Ok(()) => self.propose(
                        ctx,
                        ens,
                        TxnKind::Multi {
                            session: *session,
                            ops: ops.clone(),
                        },
                        reply_to,
                    ),
                    Err(error) if origin == self.id => self.out(
                        ctx,
                        client,
                        ZkMessage::Response {
                            xid,
                            result: Err(error),
                        },
                    ),
                    Err(error) => {
                        send(ctx, zk(origin), ZkMessage::ZabReject { client, xid, error })
                    }
                }
            }
        }
    }

    pub(super) fn forward(
        &mut self,
        ctx: &mut Ctx,
        ens: &Ensemble,
        client: NodeId,
        xid: u64,
        f: Forwarded,
    ) {
        if self.role == ZkServerRole::Leader {
            let id = self.id;
            self.leader_handle(ctx, ens, id, client, xid, &f);
        } else if let Some(l) = self.leader_id {
            send(
                ctx,
                zk(l),
                ZkMessage::ZabForward {
                    client,
                    xid,
                    request: f,
                },
            );
        }
    }

    pub(super) fn on_client(
        &mut self,
        ctx: &mut Ctx,
        ens: &Ensemble,
        client: NodeId,
        m: &ZkMessage,
    ) {
        let now = ctx.now();
        match m {
            ZkMessage::Connect {
                session: None,
                broker,
                timeout_ms,
            } => self.forward(
                ctx,
                ens,
                client,
                0,
                Forwarded::CreateSession {
                    broker: *broker,
                    timeout_ms: *timeout_ms,
                },
            ),
            ZkMessage::Connect {
                session: Some(s), ..
            } => {
                if self.tree.sessions.contains_key(s) {
                    self.connections.insert(*s, client);
                    self.touch(now, *s);
                    self.sent_to.insert(client, 0);
                    self.out(ctx, client, ZkMessage::Connected { session: *s });
                } else {
                    self.out(ctx, client, ZkMessage::SessionExpired { session: *s });
                }
            }
            // A connection this server does not know (it restarted or stopped serving since):
            // as a TCP reset, the client must connect again.
            ZkMessage::Ping { session } | ZkMessage::Request { session, .. }
                if self.connections.get(session) != Some(&client) =>
            {
                self.out(ctx, client, ZkMessage::ConnectionClosed);
            }
            ZkMessage::Ping { session } => {
                if self.tree.sessions.contains_key(session) {
                    self.touch(now, *session);
                    self.out(ctx, client, ZkMessage::Pong { sent: 0 });
                } else {
                    self.out(ctx, client, ZkMessage::SessionExpired { session: *session });
                }
            }
            ZkMessage::Request {
                session,
                xid,
                request,
            } => {
                if !self.tree.sessions.contains_key(session) {
                    self.out(ctx, client, ZkMessage::SessionExpired { session: *session });
                    return;
                }
                match request {
                    ZkRequest::Read(r) => {
                        let result = self.read(client, r);
                        self.out(ctx, client, ZkMessage::Response { xid: *xid, result });
                    }
                    ZkRequest::Write(ops) => self.forward(
                        ctx,
                        ens,
                        client,
                        *xid,
                        Forwarded::Write {
                            session: *session,
                            ops: ops.clone(),
                        },
                    ),
                }
            }
            _ => {}
        }
    }

    pub(super) fn read(&mut self, client: NodeId, r: &ZkRead) -> Result<ZkAnswer, ZkError> {
        match r {
            ZkRead::GetData { path, watch } => {
                let n = self.tree.get(path).ok_or(ZkError::NoNode)?;
                let answer = ZkAnswer::Data {
                    data: n.data.clone(),
                    version: n.version,
                };
                if *watch {
                    self.data_watches
                        .entry(path.clone())
                        .or_default()
                        .insert(client);
                }
                Ok(answer)
            }
            ZkRead::GetChildren { path, watch } => {
                if *watch {
                    self.child_watches
                        .entry(path.clone())
                        .or_default()
                        .insert(client);
                }
                Ok(ZkAnswer::Children(self.tree.children(path)))
            }
            ZkRead::Exists { path, watch } => {
                if *watch {
                    self.data_watches
                        .entry(path.clone())
                        .or_default()
                        .insert(client);
                }
                Ok(ZkAnswer::Exists(
                    self.tree
                        .get(path)
                        .map(|n| (n.data.clone(), n.version, n.ephemeral_owner)),
                ))
            }
        }
    }
}

/// The controller epoch of a partition-state write that fails because its check of
/// `/controller_epoch` names an older version: a zombie controller's write.
fn stale_controller_write(tree: &DataTree, ops: &[ZkOp]) -> Option<i32> {
    let stale = ops.iter().any(|op| {
        matches!(op, ZkOp::Check { path, version }
            if path == CONTROLLER_EPOCH
                && tree.get(CONTROLLER_EPOCH).is_some_and(|n| n.version != *version))
    });
    if !stale {
        return None;
    }
    ops.iter().find_map(|op| match op {
        ZkOp::SetData {
            data: ZnodeData::PartitionState {
                controller_epoch, ..
            },
            ..
        }
        | ZkOp::Create {
            data: ZnodeData::PartitionState {
                controller_epoch, ..
            },
            ..
        } => Some(*controller_epoch),
        _ => None,
    })
}
