//! The operators' metrics strip: under-replicated and offline partitions, partitions under
//! min ISR, active controller count, the fetch purgatory's size; plus messages in flight and
//! the frame time.

use crate::fmt::fixed;
use kafkascope_core::snapshot::Metrics;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct MetricsProps {
    pub metrics: Metrics,
    pub in_flight: usize,
    /// 95th percentile of recent frame times, in ms (None until measured).
    pub frame_p95: Option<f64>,
}

fn metric(id: &'static str, name: &'static str, value: usize, bad: bool) -> Html {
    html! {
        <li id={id} class={classes!("metric", bad.then_some("bad"))} data-value={value.to_string()}>
            <span class="metric-name">{ name }</span>
            <span class="metric-value">{ value }{ if bad { " ⚠" } else { "" } }</span>
        </li>
    }
}

#[component]
pub fn MetricsStrip(p: &MetricsProps) -> Html {
    let m = &p.metrics;
    html! {
        <ul class="metrics" aria-label="Cluster metrics">
            { metric("metric-urp", "Under-replicated partitions", m.under_replicated_partitions,
                m.under_replicated_partitions > 0) }
            { metric("metric-offline", "Offline partitions", m.offline_partitions,
                m.offline_partitions > 0) }
            { metric("metric-under-min-isr", "Under min ISR", m.under_min_isr_partitions,
                m.under_min_isr_partitions > 0) }
            { metric("metric-controllers", "Active controllers", m.active_controller_count,
                m.active_controller_count != 1) }
            <li class="metric quiet" id="metric-in-flight" data-value={p.in_flight.to_string()}>
                <span class="metric-name">{ "Messages in flight" }</span>
                <span class="metric-value">{ p.in_flight }</span>
            </li>
            // Why the wire can be quiet for a while: a leader with nothing new holds a fetch
            // up to its max wait (500 ms by default: five seconds of watching at 0.1x).
            <li class="metric quiet" id="metric-fetch-purgatory"
                data-value={m.fetch_purgatory_size.to_string()}
                title="Fetches the leaders hold, with nothing new to return, until a record arrives or the max wait passes (replica.fetch.wait.max.ms for a follower, fetch.max.wait.ms for a consumer; 500 ms by default). While one waits, nothing moves between that follower or consumer and its leader. Kafka's PurgatorySize (delayedOperation=Fetch) summed over the brokers; the KRaft quorum's own fetches are not counted.">
                <span class="metric-name">{ "Fetches parked" }</span>
                <span class="metric-value">{ m.fetch_purgatory_size }</span>
            </li>
            <li class="metric quiet" id="frame-p95"
                data-ms={p.frame_p95.map(|v| fixed(v, 2)).unwrap_or_default()}>
                <span class="metric-name">{ "Frame p95" }</span>
                <span class="metric-value">
                    { p.frame_p95.map(|v| format!("{} ms", fixed(v, 1))).unwrap_or_else(|| "–".into()) }
                </span>
            </li>
        </ul>
    }
}
