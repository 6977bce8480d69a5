//! The numbers of a broker's replicas (LEO and HW), drawn in an SVG of their own laid exactly
//! over the broker's layer. They change with every record; measured on the stress scene, a
//! changed number in the broker's own SVG repainted the whole box (names, badges, slots), and
//! was most of what the brokers cost per frame. Here a change repaints only the numbers. The
//! layer takes no pointer events (a click goes to the broker below) and is hidden from
//! assistive technology (each replica's `<title>` says its LEO and HW).

use crate::layout::BrokerBox;
use kafkascope_core::TopicPartition;
use kafkascope_core::snapshot::Snapshot;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties)]
pub struct BrokerNumbersProps {
    pub snapshot: Rc<Snapshot>,
    pub index: usize,
    pub bbox: BrokerBox,
}

impl PartialEq for BrokerNumbersProps {
    /// Equal when the numbers drawn are (each replica's partition, whose name's length picks
    /// the long or the short form, its LEO and HW, and whether the broker is up): a new
    /// snapshot alone does not redraw them.
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (
            self.snapshot.brokers.get(self.index),
            other.snapshot.brokers.get(other.index),
        );
        self.index == other.index
            && self.bbox == other.bbox
            && match (a, b) {
                (Some(a), Some(b)) => {
                    a.up == b.up
                        && a.replicas.len() == b.replicas.len()
                        && a.replicas.iter().zip(&b.replicas).all(|(x, y)| {
                            x.tp == y.tp
                                && x.log_end_offset == y.log_end_offset
                                && x.high_watermark == y.high_watermark
                        })
                }
                (None, None) => true,
                _ => false,
            }
    }
}

#[component]
pub fn BrokerNumbers(p: &BrokerNumbersProps) -> Html {
    let Some(b) = p.snapshot.brokers.get(p.index) else {
        return Html::default();
    };
    html! {
        <g class={classes!("broker-numbers", (!b.up).then_some("down"))}>
            { for b.replicas.iter().enumerate().map(|(i, r)| {
                let slot = p.bbox.slot(i);
                html! {
                    <Offsets key={i} tp={r.tp.clone()} leo={r.log_end_offset} hw={r.high_watermark}
                        x={slot.x + slot.w - 40.0} y={slot.y + slot.h / 2.0 + 4.0} width={slot.w} />
                }
            }) }
        </g>
    }
}

#[derive(Properties, PartialEq)]
struct OffsetsProps {
    /// The partition: its name's length picks the long or the short form.
    tp: TopicPartition,
    leo: u64,
    hw: u64,
    x: f64,
    y: f64,
    /// The slot's width.
    width: f64,
}

/// One replica's `LEO n HW n` (or `n/n`): its own component, so that a broker with one
/// changed number redraws one text.
#[component]
fn Offsets(p: &OffsetsProps) -> Html {
    let text = crate::fmt::offsets_label(&p.tp.to_string(), p.leo, p.hw, p.width);
    html! {
        <text class="offsets" x={crate::fmt::num(p.x)} y={crate::fmt::num(p.y)}
            text-anchor="end">{ text }</text>
    }
}
