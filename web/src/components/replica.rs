//! One partition replica inside a broker box: role badge (L leader / F follower / – none) in
//! a shape and colour, the partition, LEO and HW, and ISR membership as text. A leader the
//! controller names but the broker does not know of (it is down, or not told yet) has a
//! hollow, dashed crown.

use crate::layout::Rect;
use kafkascope_core::snapshot::{ReplicaRole, ReplicaSnapshot, Snapshot};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties)]
pub struct ReplicaProps {
    pub snapshot: Rc<Snapshot>,
    pub broker_index: usize,
    pub replica_index: usize,
    pub rect: Rect,
}

impl ReplicaProps {
    fn replica(&self) -> Option<&ReplicaSnapshot> {
        self.snapshot
            .brokers
            .get(self.broker_index)?
            .replicas
            .get(self.replica_index)
    }
}

impl PartialEq for ReplicaProps {
    /// Equal when the drawn replica is equal: a new snapshot alone does not redraw it.
    fn eq(&self, other: &Self) -> bool {
        self.rect == other.rect
            && self.broker_index == other.broker_index
            && self.replica() == other.replica()
    }
}

pub fn role_word(r: ReplicaRole) -> &'static str {
    match r {
        ReplicaRole::Leader => "leader",
        ReplicaRole::Follower => "follower",
        ReplicaRole::None => "none",
    }
}

#[component]
pub fn Replica(p: &ReplicaProps) -> Html {
    let (Some(b), Some(r)) = (p.snapshot.brokers.get(p.broker_index), p.replica()) else {
        return Html::default();
    };
    let Rect { x, y, w, h } = p.rect;
    let role = role_word(r.role);
    // The controller can name a leader that does not lead: drawn as a hollow crown.
    let named = r.named_leader && r.role != ReplicaRole::Leader;
    let (badge, badge_title) = match r.role {
        ReplicaRole::Leader => ("L", "leader"),
        _ if named && !b.up => (
            "L",
            "named leader in the cluster's metadata, but the broker is down and the controller \
             has not noticed yet: no one serves this partition",
        ),
        _ if named => (
            "L",
            "named leader in the cluster's metadata; the broker has not been told yet",
        ),
        ReplicaRole::Follower => ("F", "follower"),
        ReplicaRole::None if !b.up => ("–", "no role (the broker is down)"),
        ReplicaRole::None => ("–", "no leader known"),
    };
    let isr_text = if r.in_isr { "ISR ✓" } else { "OUT ✗" };
    let title = format!(
        "{} on broker {}: {}, leader epoch {}, {}, log end offset (LEO) {}, high watermark (HW) {}",
        r.tp,
        b.id,
        badge_title,
        r.leader_epoch,
        if r.in_isr {
            "in the ISR"
        } else {
            "NOT in the ISR"
        },
        r.log_end_offset,
        r.high_watermark
    );
    let ty = y + h / 2.0 + 4.0;
    let tp_label = r.tp.to_string();
    let offsets = crate::fmt::offsets_label(&tp_label, r.log_end_offset, r.high_watermark, w);
    let tp_label = crate::fmt::fit_tp_label(&tp_label, &offsets, w);
    html! {
        <g class={classes!("replica", role, (!r.in_isr).then_some("out-of-isr"), named.then_some("named-leader"))}
            data-topic={r.tp.topic.to_string()} data-partition={r.tp.partition.to_string()}
            data-broker={b.id.to_string()} data-role={role} data-in-isr={r.in_isr.to_string()}
            data-named-leader={r.named_leader.to_string()}
            data-leo={r.log_end_offset.to_string()} data-hw={r.high_watermark.to_string()}>
            <title>{ title }</title>
            <rect class="slot" x={crate::fmt::num(x)} y={crate::fmt::num(y)} width={crate::fmt::num(w)}
                height={crate::fmt::num(h)} rx="2" />
            if r.role == ReplicaRole::Leader || named {
                // A crown-topped badge for the leader: shape as well as colour.
                <path class="badge" d={format!(
                    "M{} {}h14v-9l-3.5 3-3.5-5-3.5 5-3.5-3z", crate::fmt::num(x + 2.0), crate::fmt::num(y + h - 1.0))} />
            } else {
                <rect class="badge" x={crate::fmt::num(x + 2.0)} y={crate::fmt::num(y + 1.5)}
                    width="14" height={crate::fmt::num(h - 3.0)} rx="7" />
            }
            <text class="badge-text" x={crate::fmt::num(x + 9.0)} y={crate::fmt::num(ty)}
                text-anchor="middle">{ badge }</text>
            <text class="tp" x={crate::fmt::num(x + 20.0)} y={crate::fmt::num(ty)}>{ tp_label }</text>
            // The LEO and HW are drawn in the broker's numbers layer (`broker_numbers.rs`).
            <text class="isr-mark" x={crate::fmt::num(x + w - 3.0)} y={crate::fmt::num(ty)}
                text-anchor="end">{ isr_text }</text>
        </g>
    }
}
