//! ZooKeeper mode's wire messages (client <-> server requests, ZAB between servers), timers and
//! events.
//!
//! STUB: the seam only.

use serde::{Deserialize, Serialize};

/// Messages between ZooKeeper servers, and between brokers (their controller role, which
/// holds the broker's ZooKeeper session) and servers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ZkMessage {
    Ping,
}

impl ZkMessage {
    /// A short summary of the content, after the API name (starts with a space).
    pub fn detail(&self) -> String {
        String::new()
    }

    /// The name the UI and traces show.
    pub fn api(&self) -> &'static str {
        match self {
            ZkMessage::Ping => "ZkPing",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ZkTimer {
    Tick,
}

/// Protocol steps worth narrating.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ZkEvent {
    QuorumLost,
}

impl ZkEvent {
    /// One line of plain words for the event log and CLI traces.
    pub fn narrate(&self) -> String {
        match self {
            ZkEvent::QuorumLost => "the ZooKeeper ensemble lost its quorum".into(),
        }
    }
}
