//! A broker's ZooKeeper client: one connection to one server at a time, a session kept alive
//! by pings every third of the session timeout, a move to the next server when the connected
//! one is silent for two thirds of it (same session: it survives if back before expiry), and
//! requests pipelined with at most `zookeeper.max.in.flight.requests` outstanding.

use super::controller::Purpose;
use super::messages::{SessionId, WatchKind, ZkAnswer, ZkError, ZkMessage, ZkRequest, ZkTimer};
use crate::collections::{LiteMap, LiteMapExt};
use crate::config::Millis;
use crate::ids::{BrokerId, NodeId};
use crate::kernel::Ctx;
use crate::message::Message;
use crate::timer::{ControllerTimer, Timer};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// What the client tells the controller logic.
#[derive(Clone, Debug)]
pub enum ClientEvent {
    /// A new session is open (the first one, or one after expiry).
    NewSession,
    /// The same session resumed on another server (watches must be set again).
    Reconnected,
    /// The ensemble said the session is gone.
    SessionLost,
    Response(Purpose, Result<ZkAnswer, ZkError>),
    Watch(String, WatchKind),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ZkClient {
    pub broker: BrokerId,
    servers: Vec<i32>,
    pub timeout_ms: Millis,
    max_in_flight: usize,
    pub session: Option<SessionId>,
    pub server: i32,
    pub connected: bool,
    attempt_started: Millis,
    last_heard: Millis,
    last_ping: Millis,
    /// When the last ping was answered; `None` while one is unanswered.
    last_pong: Option<Millis>,
    /// Messages received on this connection.
    received: u64,
    next_xid: u64,
    in_flight: LiteMap<u64, (Purpose, ZkRequest)>,
    sent_at: LiteMap<u64, Millis>,
    queue: VecDeque<(Purpose, ZkRequest)>,
}

impl ZkClient {
    pub fn new(
        broker: BrokerId,
        servers: Vec<i32>,
        timeout_ms: Millis,
        max_in_flight: u32,
    ) -> Self {
        let server = servers[(broker.unsigned_abs() as usize) % servers.len()];
        Self {
            broker,
            servers,
            timeout_ms,
            max_in_flight: max_in_flight.max(1) as usize,
            session: None,
            server,
            connected: false,
            attempt_started: 0,
            last_heard: 0,
            last_ping: 0,
            last_pong: Some(0),
            received: 0,
            next_xid: 0,
            in_flight: LiteMap::new_vec(),
            sent_at: LiteMap::new_vec(),
            queue: VecDeque::new(),
        }
    }

    /// The client's timer period: a sixth of the session timeout (pings go every third).
    pub fn tick_ms(&self) -> Millis {
        (self.timeout_ms / 6).max(1)
    }

    pub fn arm(&self, ctx: &mut Ctx) {
        ctx.set_timer(
            self.tick_ms(),
            Timer::Controller(ControllerTimer::Zk(ZkTimer::ClientTick)),
        );
    }

    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight
    }

    /// Requests queued or outstanding.
    pub fn busy(&self) -> usize {
        self.queue.len() + self.in_flight.len()
    }

    pub fn connect(&mut self, ctx: &mut Ctx, server: i32) {
        self.server = server;
        self.connected = false;
        self.attempt_started = ctx.now();
        ctx.send(
            NodeId::ZooKeeper(server),
            Message::Zk(ZkMessage::Connect {
                session: self.session,
                broker: self.broker,
                timeout_ms: self.timeout_ms,
            }),
        );
    }

    fn next_server(&self) -> i32 {
        let i = self
            .servers
            .iter()
            .position(|&s| s == self.server)
            .unwrap_or(0);
        self.servers[(i + 1) % self.servers.len()]
    }

    pub fn submit(&mut self, ctx: &mut Ctx, purpose: Purpose, request: ZkRequest) {
        self.queue.push_back((purpose, request));
        self.pump(ctx);
    }

    fn pump(&mut self, ctx: &mut Ctx) {
        let Some(session) = self.session else {
            return;
        };
        while self.connected && self.in_flight.len() < self.max_in_flight {
            let Some((purpose, request)) = self.queue.pop_front() else {
                return;
            };
            self.next_xid += 1;
            ctx.send(
                NodeId::ZooKeeper(self.server),
                Message::Zk(ZkMessage::Request {
                    session,
                    xid: self.next_xid,
                    request: request.clone(),
                }),
            );
            self.in_flight.insert(self.next_xid, (purpose, request));
            self.sent_at.insert(self.next_xid, ctx.now());
        }
    }

    /// Every tick: ping, and move to another server if this one went silent.
    pub fn on_tick(&mut self, ctx: &mut Ctx) -> Option<i32> {
        self.arm(ctx);
        let now = ctx.now();
        if self.connected {
            // The simulated network drops what a cut link carries, where TCP would retransmit
            // or break the connection: an unanswered ping, or a request unanswered while a
            // later ping was, counts as a broken connection (resume the session elsewhere,
            // resend, and set the watches again).
            let request_lost = self.last_pong.is_some_and(|pong| {
                self.sent_at
                    .values()
                    .any(|&t| t + self.timeout_ms / 3 < pong)
            });
            let ping_due = now.saturating_sub(self.last_ping) >= self.timeout_ms / 3;
            if now.saturating_sub(self.last_heard) > self.timeout_ms * 2 / 3
                || request_lost
                || (ping_due && self.last_pong.is_none())
            {
                let next = self.next_server();
                self.connect(ctx, next);
                return Some(next);
            }
            if ping_due && let Some(session) = self.session {
                self.last_ping = now;
                self.last_pong = None;
                ctx.send(
                    NodeId::ZooKeeper(self.server),
                    Message::Zk(ZkMessage::Ping { session }),
                );
            }
        } else {
            // ZooKeeper's connect timeout: the session timeout shared among the servers.
            let connect_timeout = (self.timeout_ms / self.servers.len() as u64).max(self.tick_ms());
            if now.saturating_sub(self.attempt_started) >= connect_timeout {
                let next = self.next_server();
                self.connect(ctx, next);
                return Some(next);
            }
        }
        None
    }

    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, m: &ZkMessage) -> Vec<ClientEvent> {
        if from != NodeId::ZooKeeper(self.server) {
            return Vec::new(); // an old connection
        }
        let now = ctx.now();
        self.last_heard = now;
        self.received += 1;
        let mut out = Vec::new();
        match m {
            ZkMessage::Connected { session } => {
                if self.connected {
                    return out;
                }
                self.connected = true;
                self.received = 1;
                self.last_ping = now;
                self.last_pong = Some(now);
                self.sent_at.clear();
                if self.session == Some(*session) {
                    // Resend what was outstanding, in order.
                    let outstanding = std::mem::take(&mut self.in_flight);
                    for r in outstanding.into_values().rev() {
                        self.queue.push_front(r);
                    }
                    out.push(ClientEvent::Reconnected);
                } else {
                    // Requests sent in the old session are lost; those the controller queued
                    // but never sent go out in the new one (its event queue lags its session,
                    // as Kafka's does): a zombie's writes reach ZooKeeper, and the epoch check
                    // must refuse them.
                    self.in_flight.clear();
                    self.session = Some(*session);
                    out.push(ClientEvent::NewSession);
                }
                self.pump(ctx);
            }
            ZkMessage::SessionExpired { session } if self.session == Some(*session) => {
                self.session = None;
                self.in_flight.clear();
                self.sent_at.clear();
                out.push(ClientEvent::SessionLost);
                let s = self.server;
                self.connect(ctx, s);
            }
            ZkMessage::Response { xid, result } => {
                self.sent_at.remove(xid);
                if let Some((purpose, _)) = self.in_flight.remove(xid) {
                    out.push(ClientEvent::Response(purpose, result.clone()));
                }
                self.pump(ctx);
            }
            ZkMessage::Pong { sent } => {
                if *sent == self.received {
                    self.last_pong = Some(now);
                } else {
                    // Something the server sent on this connection never arrived.
                    let next = self.next_server();
                    self.connect(ctx, next);
                }
            }
            ZkMessage::ConnectionClosed => {
                let next = self.next_server();
                self.connect(ctx, next);
            }
            ZkMessage::WatchEvent { path, kind } => {
                out.push(ClientEvent::Watch(path.clone(), *kind));
            }
            _ => {}
        }
        out
    }
}
