//! ZooKeeper mode's wire messages (client <-> server requests, ZAB between servers), timers and
//! events.

use super::datatree::{Txn, ZnodeData, Zxid, zxid_text};
use crate::ids::{BrokerId, NodeId, TopicPartition};
use serde::{Deserialize, Serialize};

/// What a broker's LeaderAndIsrResponse reports: a hash of the partition states it holds
/// (leader and leader epoch of each; the partition epoch where it leads). The controller
/// compares it with what it published to that broker.
pub fn replica_state_digest<'a>(
    me: BrokerId,
    states: impl IntoIterator<Item = &'a crate::message::PartitionState>,
) -> u64 {
    crate::message::state_digest(me, states, true)
}

/// A client session id (the zxid of the transaction that created it).
pub type SessionId = u64;

/// One operation of a write request (`create`, `setData`, `delete`, or a `check` inside a
/// `multi`). A write request is a `multi`: all its operations apply, or none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ZkOp {
    Create {
        path: String,
        data: ZnodeData,
        ephemeral: bool,
    },
    /// `version: None` is ZooKeeper's version -1 (unconditional).
    SetData {
        path: String,
        data: ZnodeData,
        version: Option<u32>,
    },
    Delete {
        path: String,
    },
    /// Fails the whole multi unless `path` is at `version` (the controller's epoch fence).
    Check {
        path: String,
        version: u32,
    },
}

impl ZkOp {
    pub fn path(&self) -> &str {
        match self {
            ZkOp::Create { path, .. }
            | ZkOp::SetData { path, .. }
            | ZkOp::Delete { path }
            | ZkOp::Check { path, .. } => path,
        }
    }
}

/// A read, served by the server the client is connected to; `watch` leaves a one-shot watch
/// there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ZkRead {
    GetData {
        path: String,
        watch: bool,
    },
    GetChildren {
        path: String,
        watch: bool,
    },
    /// `exists` with the data when the node is there (stands for `exists` + `getData`).
    Exists {
        path: String,
        watch: bool,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ZkRequest {
    Read(ZkRead),
    Write(Vec<ZkOp>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ZkError {
    NodeExists,
    NoNode,
    BadVersion,
    SessionExpired,
}

impl ZkError {
    pub fn name(self) -> &'static str {
        match self {
            ZkError::NodeExists => "NODEEXISTS",
            ZkError::NoNode => "NONODE",
            ZkError::BadVersion => "BADVERSION",
            ZkError::SessionExpired => "SESSIONEXPIRED",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ZkAnswer {
    /// A write committed: the new version of each written node.
    Written,
    Data {
        data: ZnodeData,
        version: u32,
    },
    /// Children names with each child's creation zxid (`czxid`: a broker's epoch in Kafka).
    Children(Vec<(String, Zxid)>),
    /// The node's data, version and ephemeral owner, if it exists.
    Exists(Option<(ZnodeData, u32, Option<SessionId>)>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WatchKind {
    NodeCreated,
    NodeDeleted,
    NodeDataChanged,
    NodeChildrenChanged,
}

/// Messages between ZooKeeper servers, and between brokers (their controller role, which
/// holds the broker's ZooKeeper session) and servers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ZkMessage {
    // --- client <-> server ---
    /// Open a session (`session: None`) or resume one on this server.
    Connect {
        session: Option<SessionId>,
        broker: BrokerId,
        timeout_ms: u64,
    },
    Connected {
        session: SessionId,
    },
    SessionExpired {
        session: SessionId,
    },
    Ping {
        session: SessionId,
    },
    /// With the number of messages the server sent on this connection, this one included.
    Pong {
        sent: u64,
    },
    /// The server stopped serving (it lost its leader or quorum) and closed the connection.
    ConnectionClosed,
    Request {
        session: SessionId,
        xid: u64,
        request: ZkRequest,
    },
    Response {
        xid: u64,
        result: Result<ZkAnswer, ZkError>,
    },
    WatchEvent {
        path: String,
        kind: WatchKind,
    },
    /// A broker's answer to LeaderAndIsr in ZooKeeper mode, with a digest of the partition
    /// states it holds: the controller's channel resends what a broker missed.
    LeaderAndIsrResponse {
        broker: BrokerId,
        /// STALE_CONTROLLER_EPOCH when the request came from an older controller epoch
        /// than one the broker has seen (then the digest means nothing).
        error: Option<crate::error::ErrorCode>,
        state_digest: u64,
    },
    // --- ZAB between servers ---
    /// A looking server's vote: itself, with its last logged zxid.
    ZabVote {
        accepted_epoch: u32,
        last_zxid: Zxid,
    },
    /// A prospective leader's history, sent to a follower to sync it.
    ZabNewLeader {
        epoch: u32,
        log: Vec<Txn>,
        committed: Zxid,
    },
    ZabAckNewLeader {
        epoch: u32,
        last_zxid: Zxid,
    },
    /// The follower may serve clients: everything up to `committed` is committed.
    ZabUpToDate {
        epoch: u32,
        committed: Zxid,
    },
    /// A request a follower forwards to the leader (writes and session creation).
    ZabForward {
        client: NodeId,
        xid: u64,
        request: Forwarded,
    },
    /// The leader refused a forwarded write; the follower answers its client.
    ZabReject {
        client: NodeId,
        xid: u64,
        error: ZkError,
    },
    ZabProposal {
        epoch: u32,
        txn: Txn,
    },
    ZabAck {
        epoch: u32,
        zxid: Zxid,
    },
    ZabCommit {
        epoch: u32,
        zxid: Zxid,
    },
    /// The leader's heartbeat every tick.
    ZabPing {
        epoch: u32,
        committed: Zxid,
    },
    /// A follower's answer, with the sessions its clients pinged since the last one.
    ZabPingAck {
        epoch: u32,
        touched: Vec<SessionId>,
        /// Its last logged zxid: acks every proposal up to it (a lost ack is not fatal).
        last_zxid: Zxid,
    },
}

/// What a follower forwards to its leader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Forwarded {
    CreateSession { broker: BrokerId, timeout_ms: u64 },
    Write { session: SessionId, ops: Vec<ZkOp> },
}

impl ZkMessage {
    /// A short summary of the content, after the API name (starts with a space).
    pub fn detail(&self) -> String {
        match self {
            ZkMessage::Connect {
                session: Some(s), ..
            } => format!(" resume session 0x{s:x}"),
            ZkMessage::Connect { session: None, .. } => " new session".into(),
            ZkMessage::Connected { session } | ZkMessage::SessionExpired { session } => {
                format!(" session 0x{session:x}")
            }
            ZkMessage::Request { request, .. } => match request {
                ZkRequest::Read(
                    ZkRead::GetData { path, watch }
                    | ZkRead::GetChildren { path, watch }
                    | ZkRead::Exists { path, watch },
                ) => format!(" {path}{}", if *watch { " (watch)" } else { "" }),
                ZkRequest::Write(ops) => ops_text(ops),
            },
            ZkMessage::Response { result: Err(e), .. } | ZkMessage::ZabReject { error: e, .. } => {
                format!(" {}", e.name())
            }
            ZkMessage::WatchEvent { path, kind } => format!(" {kind:?} {path}"),
            ZkMessage::LeaderAndIsrResponse { error: Some(e), .. } => format!(" {}", e.name()),
            ZkMessage::ZabVote { last_zxid, .. } => {
                format!(" last zxid {}", zxid_text(*last_zxid))
            }
            ZkMessage::ZabNewLeader { epoch, log, .. } => {
                format!(" epoch {epoch}, {} txns", log.len())
            }
            ZkMessage::ZabProposal { txn, .. } => format!(" {}", zxid_text(txn.zxid)),
            ZkMessage::ZabAck { zxid, .. } | ZkMessage::ZabCommit { zxid, .. } => {
                format!(" {}", zxid_text(*zxid))
            }
            ZkMessage::ZabForward {
                request: Forwarded::Write { ops, .. },
                ..
            } => ops_text(ops),
            _ => String::new(),
        }
    }

    /// The name the UI and traces show.
    pub fn api(&self) -> &'static str {
        match self {
            ZkMessage::Connect { .. } => "ZkConnect",
            ZkMessage::Connected { .. } => "ZkConnected",
            ZkMessage::SessionExpired { .. } => "ZkSessionExpired",
            ZkMessage::Ping { .. } => "ZkPing",
            ZkMessage::Pong { .. } => "ZkPong",
            ZkMessage::ConnectionClosed => "ZkConnectionClosed",
            ZkMessage::Request { request, .. } => match request {
                ZkRequest::Read(ZkRead::GetData { .. }) => "ZkGetData",
                ZkRequest::Read(ZkRead::GetChildren { .. }) => "ZkGetChildren",
                ZkRequest::Read(ZkRead::Exists { .. }) => "ZkExists",
                ZkRequest::Write(ops) => write_api(ops),
            },
            ZkMessage::Response { .. } => "ZkResponse",
            ZkMessage::WatchEvent { .. } => "ZkWatchEvent",
            ZkMessage::LeaderAndIsrResponse { .. } => "LeaderAndIsrResponse",
            ZkMessage::ZabVote { .. } => "ZabVote",
            ZkMessage::ZabNewLeader { .. } => "ZabNewLeader",
            ZkMessage::ZabAckNewLeader { .. } => "ZabAckNewLeader",
            ZkMessage::ZabUpToDate { .. } => "ZabUpToDate",
            ZkMessage::ZabForward { .. } => "ZabForward",
            ZkMessage::ZabReject { .. } => "ZabReject",
            ZkMessage::ZabProposal { .. } => "ZabProposal",
            ZkMessage::ZabAck { .. } => "ZabAck",
            ZkMessage::ZabCommit { .. } => "ZabCommit",
            ZkMessage::ZabPing { .. } => "ZabPing",
            ZkMessage::ZabPingAck { .. } => "ZabPingAck",
        }
    }
}

/// The API a write request is named by: its main operation (a `check` only guards it).
fn write_api(ops: &[ZkOp]) -> &'static str {
    match ops.iter().find(|o| !matches!(o, ZkOp::Check { .. })) {
        _ if ops
            .iter()
            .filter(|o| !matches!(o, ZkOp::Check { .. }))
            .count()
            > 1 =>
        {
            "ZkMulti"
        }
        Some(ZkOp::Create { .. }) => "ZkCreate",
        Some(ZkOp::SetData { .. }) => "ZkSetData",
        Some(ZkOp::Delete { .. }) => "ZkDelete",
        _ => "ZkMulti",
    }
}

fn ops_text(ops: &[ZkOp]) -> String {
    ops.iter()
        .filter(|o| !matches!(o, ZkOp::Check { .. }))
        .map(|o| format!(" {}", o.path()))
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ZkTimer {
    /// A server's tick (`tickTime`): heartbeats, votes, session expiry.
    ServerTick,
    /// A broker's ZooKeeper client: ping, connection checks, retries, channel resync.
    ClientTick,
    /// The active controller's auto leader rebalance check (epoch it was set in).
    LeaderImbalanceCheck { epoch: i32 },
}

/// Protocol steps worth narrating.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ZkEvent {
    /// A server started looking for a leader (startup, lost leader, lost quorum).
    ServerLooking {
        server: i32,
    },
    LeaderElected {
        server: i32,
        epoch: u32,
    },
    FollowerSynced {
        server: i32,
        leader: i32,
        epoch: u32,
    },
    QuorumLost {
        server: i32,
    },
    SessionCreated {
        broker: BrokerId,
        session: SessionId,
    },
    /// The leader expired a session; its ephemeral znodes go.
    SessionExpired {
        broker: BrokerId,
        session: SessionId,
        silent_ms: u64,
        ephemerals: Vec<String>,
    },
    /// A broker's client learned its session is gone.
    ClientSessionLost {
        broker: BrokerId,
    },
    ClientReconnecting {
        broker: BrokerId,
        to_server: i32,
    },
    WatchFired {
        broker: BrokerId,
        path: String,
    },
    BrokerRegistered {
        broker: BrokerId,
    },
    ControllerElected {
        broker: BrokerId,
        epoch: i32,
    },
    LoadingStarted {
        broker: BrokerId,
        epoch: i32,
    },
    LoadingFinished {
        broker: BrokerId,
        znodes: u32,
        took_ms: u64,
    },
    /// The controller noticed `/brokers/ids/<broker>` is gone.
    BrokerDeregistered {
        controller: BrokerId,
        broker: BrokerId,
    },
    PartitionStatesWritten {
        controller: BrokerId,
        partitions: u32,
    },
    /// The ZooKeeper leader refused a partition-state write: its check of `/controller_epoch`
    /// names an older version, so it comes from a controller that is no longer current.
    ZombieWriteRejected {
        controller: BrokerId,
        epoch: i32,
    },
    AlterPartitionWritten {
        controller: BrokerId,
        tp: TopicPartition,
    },
}

impl ZkEvent {
    /// One line of plain words for the event log and CLI traces.
    pub fn narrate(&self) -> String {
        match self {
            ZkEvent::ServerLooking { server } => {
                format!("ZooKeeper server {server} is looking for a leader")
            }
            ZkEvent::LeaderElected { server, epoch } => {
                format!("ZooKeeper server {server} became leader of ZAB epoch {epoch}")
            }
            ZkEvent::FollowerSynced {
                server,
                leader,
                epoch,
            } => format!(
                "ZooKeeper server {server} synced with leader {leader} (epoch {epoch}) and serves clients"
            ),
            ZkEvent::QuorumLost { server } => format!(
                "ZooKeeper leader {server} lost its quorum: no writes until a majority is back"
            ),
            ZkEvent::SessionCreated { broker, session } => {
                format!("broker {broker} opened ZooKeeper session 0x{session:x}")
            }
            ZkEvent::SessionExpired {
                broker,
                silent_ms,
                ephemerals,
                ..
            } => format!(
                "broker {broker}'s ZooKeeper session expired after {} s without a ping; deleted {}",
                crate::seconds::seconds_one_decimal(*silent_ms),
                if ephemerals.is_empty() {
                    "no znodes".to_string()
                } else {
                    ephemerals.join(", ")
                }
            ),
            ZkEvent::ClientSessionLost { broker } => {
                format!("broker {broker} learned its ZooKeeper session expired; it opens a new one")
            }
            ZkEvent::ClientReconnecting { broker, to_server } => format!(
                "broker {broker} heard nothing from its ZooKeeper server; reconnecting to server {to_server}"
            ),
            ZkEvent::WatchFired { broker, path } => {
                format!("the watch on {path} fired at broker {broker}")
            }
            ZkEvent::BrokerRegistered { broker } => {
                format!("broker {broker} registered /brokers/ids/{broker}")
            }
            ZkEvent::ControllerElected { broker, epoch } => {
                format!("broker {broker} won /controller; controller epoch is now {epoch}")
            }
            ZkEvent::LoadingStarted { broker, epoch } => format!(
                "controller {broker} (epoch {epoch}) is loading the cluster state from ZooKeeper"
            ),
            ZkEvent::LoadingFinished {
                broker,
                znodes,
                took_ms,
            } => format!("controller {broker} loaded {znodes} znodes in {took_ms} ms"),
            ZkEvent::BrokerDeregistered { controller, broker } => format!(
                "controller {controller} saw /brokers/ids/{broker} disappear: broker {broker} is dead"
            ),
            ZkEvent::PartitionStatesWritten {
                controller,
                partitions,
            } => format!(
                "controller {controller} wrote {partitions} partition states to ZooKeeper; now it tells the brokers"
            ),
            ZkEvent::ZombieWriteRejected { controller, epoch } => format!(
                "ZooKeeper rejected a write of controller {controller}: its epoch {epoch} is stale (BADVERSION on /controller_epoch)"
            ),
            ZkEvent::AlterPartitionWritten { controller, tp } => {
                format!("controller {controller} wrote {tp}'s new ISR to ZooKeeper")
            }
        }
    }
}
