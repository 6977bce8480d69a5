//! The partition view: pick a partition and see each replica's log as a row of offsets
//! ("0: order-1"), with the high watermark and log end offset marked, records above the HW
//! marked uncommitted, and records lost to truncation struck through.

use super::replica::role_word;
use super::target_value;
use crate::model::PartitionView;
use crate::model::partition_view::ReplicaRow;
use crate::model::world::TopicInfo;
use crate::narrate::broker_list;
use kafkascope_core::TopicPartition;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PartitionPanelProps {
    pub topics: Rc<Vec<TopicInfo>>,
    pub selected: Option<TopicPartition>,
    pub view: Option<Rc<PartitionView>>,
    pub on_select: Callback<Option<TopicPartition>>,
}

/// A record cell shows at most this many characters of "offset: value"; its tooltip has
/// all of it (and the key).
pub const REC_CHARS: usize = 48;

/// `orders-0` back to a topic-partition (topic names may contain '-').
pub fn parse_tp(s: &str) -> Option<TopicPartition> {
    let (topic, p) = s.rsplit_once('-')?;
    Some(TopicPartition::new(topic, p.parse().ok()?))
}

/// The cells are keyed (records by offset), so a record appended while the oldest shown one
/// scrolls out moves two cells instead of rewriting all forty.
fn row(r: &ReplicaRow) -> Html {
    let role = role_word(r.role);
    let mut cells: Vec<Html> = Vec::with_capacity(r.records.len() + 3);
    if r.hidden_before > 0 {
        cells.push(
            html! { <li key="elided" class="rec elided">{ format!("… {} earlier", r.hidden_before) }</li> },
        );
    }
    let mut hw_drawn = false;
    for c in &r.records {
        if !hw_drawn && c.offset >= r.high_watermark {
            cells.push(html! { <li key="hw" class="marker hw" title="high watermark: records before it are committed">
                { format!("HW {}", r.high_watermark) }</li> });
            hw_drawn = true;
        }
        let committed = c.offset < r.high_watermark;
        let diverged = r.diverges_at.is_some_and(|d| c.offset >= d);
        let label = c.label();
        let title = format!(
            "{label}\noffset {}, leader epoch {}{}{}",
            c.offset,
            c.leader_epoch,
            c.key
                .as_ref()
                .map(|k| format!(", key \"{k}\""))
                .unwrap_or_default(),
            if diverged {
                ": NOT in the leader's log; truncated away when this replica fetches from the leader"
            } else if committed {
                ", committed"
            } else {
                ", not committed yet (above the HW)"
            }
        );
        cells.push(html! {
            <li key={c.offset} class={classes!("rec", (!committed).then_some("uncommitted"), diverged.then_some("diverged"))} {title}
                data-offset={c.offset.to_string()} data-diverged={diverged.then_some("true")}>
                if diverged { <span class="visually-hidden">{ "diverged: " }</span><span aria-hidden="true">{ "≠ " }</span> }
                { crate::fmt::elide_end(&label, REC_CHARS) }</li>
        });
    }
    if !hw_drawn {
        cells.push(
            html! { <li key="hw" class="marker hw">{ format!("HW {}", r.high_watermark) }</li> },
        );
    }
    cells.push(
        html! { <li key="leo" class="marker leo" title="log end offset: the next offset to write">
        { format!("LEO {}", r.log_end_offset) }</li> },
    );
    html! {
        // Attribute names differ from the diagram's replicas (data-broker, data-role, ...) so
        // a selector for a replica never matches a row of this view.
        <li key={r.broker} class={classes!("replica-row", role)} data-row-broker={r.broker.to_string()}
            data-row-role={role} data-row-in-isr={r.in_isr.to_string()}
            data-row-leo={r.log_end_offset.to_string()} data-row-hw={r.high_watermark.to_string()}
            data-row-log-start={r.log_start_offset.to_string()}>
            <div class="row-head">
                <b>{ format!("Broker {}", r.broker) }</b>
                { format!(" · {} · {} · epoch {} · LEO {} · HW {}{}{}",
                    role, if r.in_isr { "in ISR" } else { "OUT of ISR" }, r.leader_epoch,
                    r.log_end_offset, r.high_watermark,
                    // Once retention has deleted records, where the log now starts.
                    if r.log_start_offset > 0 { format!(" · log start {}", r.log_start_offset) } else { String::new() },
                    if r.broker_up { "" } else { " · broker DOWN" }) }
            </div>
            <ol class="log-cells" aria-label={format!("log of broker {}", r.broker)}>
                { for cells }
            </ol>
            if !r.lost.is_empty() {
                <div class="lost">
                    <span>{ "Lost to truncation: " }</span>
                    <ol class="log-cells">
                        { for r.lost.iter().map(|c| html! {
                            <li key={c.offset} class="rec lost-rec" data-offset={c.offset.to_string()}
                                title={format!("{}\noffset {} (epoch {}) was truncated away", c.label(), c.offset, c.leader_epoch)}>
                                <del>{ crate::fmt::elide_end(&c.label(), REC_CHARS) }</del>
                            </li>
                        }) }
                    </ol>
                </div>
            }
        </li>
    }
}

#[component]
pub fn PartitionPanel(p: &PartitionPanelProps) -> Html {
    let on_change = p.on_select.reform(|e: Event| parse_tp(&target_value(&e)));
    let selected = p.selected.as_ref().map(|tp| tp.to_string());
    let selected_name = selected.as_deref();
    html! {
        <section class="panel partition-view" aria-labelledby="partition-title">
            <h2 id="partition-title">{ "Partition view" }</h2>
            <label for="partition-select">{ "Partition " }</label>
            <select id="partition-select" onchange={on_change}>
                <option value="" selected={selected.is_none()}>{ "choose a partition" }</option>
                { for p.topics.iter().flat_map(|t| (0..t.partitions).map(move |i| {
                    let name = format!("{}-{}", t.name, i);
                    let sel = selected_name == Some(name.as_str());
                    html! { <option key={name.clone()} value={name.clone()} selected={sel}>{ name }</option> }
                })) }
            </select>
            if let Some(v) = &p.view {
                <p class="summary">
                    { format!("{}: leader broker {}, leader epoch {}, ISR {}", v.tp,
                        if v.leader < 0 { "none (offline)".to_owned() } else { v.leader.to_string() },
                        v.leader_epoch, broker_list(&v.isr)) }
                </p>
                <ol class="replica-rows" id="partition-rows" data-tp={v.tp.to_string()}>
                    { for v.rows.iter().map(row) }
                </ol>
                if v.rows.iter().any(|r| r.diverges_at.is_some()) {
                    <p class="summary" id="partition-diverged">
                        { "≠ marks records a replica holds that the leader's log does not (after an unclean election, or writes a leader took alone before it failed): that replica truncates them when it next fetches from the leader, and they are lost." }
                    </p>
                }
            }
        </section>
    }
}
