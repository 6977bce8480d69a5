//! Geometry of the diagram, as pure functions: where each producer, broker, replica slot,
//! consumer and coordinator node sits, and where a message dot is at a given moment.
//!
//! Wide layout (a textbook picture): producers left, brokers in the middle (a grid of up to
//! three columns), consumers right, the coordinator below the brokers. Compact layout: the
//! same picture narrower, with at most two broker columns, for a diagram given less room (a
//! frame in a course page) so its text is not drawn tiny. Narrow layout (phones): the same
//! things stacked top to bottom. Units are SVG user units of the `viewBox`.

use crate::fmt::num;
use crate::route::{End, Gutters};
use kafkascope_core::config::Millis;
use kafkascope_core::{BrokerId, NodeId};

/// `viewBox` width of the wide layout.
pub const WIDE_WIDTH: f64 = 1000.0;
/// `viewBox` width of the compact layout.
pub const COMPACT_WIDTH: f64 = 700.0;
/// `viewBox` width of the narrow layout (about one CSS pixel per unit on a phone).
pub const NARROW_WIDTH: f64 = 400.0;
/// Below this size (CSS pixels per unit) the wide layout gives way to the compact one, if
/// that one is drawn larger: the 11-unit labels would be under about 8 px.
const READABLE_SCALE: f64 = 0.75;
/// Height of a broker box above its first replica slot (name and status lines).
pub const BROKER_HEADER: f64 = 50.0;
/// Height of one replica slot row inside a broker box.
pub const SLOT_HEIGHT: f64 = 17.0;
/// Size of a producer box, and a consumer box's width.
pub const CLIENT_WIDTH: f64 = 110.0;
pub const CLIENT_HEIGHT: f64 = 46.0;
/// Extra height of a consumer box per assigned partition line (at most [`CONSUMER_MAX_LINES`]).
pub const CONSUMER_LINE: f64 = 12.0;
pub const CONSUMER_MAX_LINES: usize = 6;
/// Size of one coordinator node inside the coordinator area.
pub const COORDINATOR_NODE_WIDTH: f64 = 150.0;
pub const COORDINATOR_NODE_HEIGHT: f64 = 46.0;
/// Distance of a message dot from the straight line between its two nodes, so a request and
/// its response travel on two lanes side by side.
pub const LANE_OFFSET: f64 = 5.0;

const MARGIN: f64 = 10.0;
const GAP: f64 = 20.0;
const CAPTION: f64 = 30.0;
const BROKER_BOX_MAX_WIDTH: f64 = 260.0;
/// Broker width in the narrow layout: room is left on the right for replication arcs.
const NARROW_BROKER_WIDTH: f64 = 300.0;
/// Left edge of the brokers in the narrow layout; the gutter left of it carries messages
/// between brokers and the clients or the coordinator, so they never cross another broker.
const NARROW_BROKER_LEFT: f64 = 45.0;
/// The x of that gutter.
pub const NARROW_GUTTER_X: f64 = 22.0;
const COORDINATOR_AREA_HEIGHT: f64 = 112.0;
/// Space above the first row of brokers: the gutter that carries messages along the row.
const TOP_GUTTER_ROOM: f64 = 26.0;
/// Vertical gap between rows of brokers: the gutter between them carries messages.
const BROKER_ROW_GAP: f64 = 40.0;
/// Gap between the broker grid and the coordinator area; the gutter below the grid is in it.
const COORDINATOR_GAP: f64 = 36.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn center(&self) -> Point {
        Point {
            x: self.x + self.w / 2.0,
            y: self.y + self.h / 2.0,
        }
    }

    pub fn right(&self) -> f64 {
        self.x + self.w
    }

    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }

    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.right() && o.x < self.right() && self.y < o.bottom() && o.y < self.bottom()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Orientation {
    /// Producers left, brokers middle, consumers right, coordinator below.
    Wide,
    /// The wide picture in [`COMPACT_WIDTH`], brokers in at most two columns.
    Compact,
    /// Producers, brokers, consumers and coordinator stacked (phones).
    Narrow,
}

/// The room the diagram has on the page, in CSS pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Room {
    pub width: f64,
    /// The height the diagram should fit in: a frame's, or on a page the window's (None:
    /// unbounded, as on a phone's page, which scrolls through the stacked layout).
    pub height: Option<f64>,
    /// A phone-sized viewport: the stacked layout on a page; in a frame, whichever layout is
    /// drawn largest.
    pub narrow: bool,
}

impl Room {
    /// CSS pixels per `viewBox` unit that `l` is drawn at in this room.
    pub fn scale(&self, l: &Layout) -> f64 {
        let s = self.width / l.width;
        match self.height {
            Some(h) => s.min(h / l.height),
            None => s,
        }
    }
}

impl Orientation {
    /// The orientation for a viewport this many CSS pixels wide.
    pub fn for_viewport(width_px: f64) -> Self {
        if width_px < 760.0 {
            Orientation::Narrow
        } else {
            Orientation::Wide
        }
    }
}

/// What the layout needs to know about the cluster.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LayoutInput {
    pub producers: Vec<u32>,
    /// Broker ids with the number of replicas each hosts.
    pub brokers: Vec<(BrokerId, usize)>,
    /// Consumer ids with the number of partitions assigned to each.
    pub consumers: Vec<(u32, usize)>,
    /// The coordinator's own nodes, drawn in the coordinator area (the built-in controller,
    /// ZooKeeper servers, dedicated KRaft voters).
    pub coordinators: Vec<NodeId>,
    /// Coordinator roles that run inside a broker (ZooKeeper-mode controller roles, combined
    /// KRaft voters): drawn in, and animated from, that broker's box.
    pub colocated: Vec<(NodeId, BrokerId)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BrokerBox {
    pub id: BrokerId,
    pub rect: Rect,
    /// The grid row, counted from the top.
    pub row: usize,
}

impl BrokerBox {
    /// The `i`-th replica slot row of this broker.
    pub fn slot(&self, i: usize) -> Rect {
        Rect {
            x: self.rect.x + 6.0,
            y: self.rect.y + BROKER_HEADER + i as f64 * SLOT_HEIGHT,
            w: self.rect.w - 12.0,
            h: SLOT_HEIGHT - 2.0,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub orientation: Orientation,
    pub width: f64,
    pub height: f64,
    pub producers: Vec<(u32, Rect)>,
    pub brokers: Vec<BrokerBox>,
    pub consumers: Vec<(u32, Rect)>,
    pub coordinator_area: Rect,
    pub coordinators: Vec<(NodeId, Rect)>,
    /// Roles drawn inside a broker's box.
    pub colocated: Vec<(NodeId, BrokerId)>,
    /// Where the column captions ("Producers", "Brokers", "Consumers") go.
    pub captions: Vec<(&'static str, Point)>,
    /// The gutters messages travel along (the wide layout).
    pub gutters: Option<Gutters>,
}

/// Number of broker columns: one row up to three brokers, then 2x2, then rows of three.
pub fn broker_columns(brokers: usize, orientation: Orientation) -> usize {
    match (orientation, brokers) {
        (Orientation::Narrow, _) => 1,
        (_, 0) => 1,
        (Orientation::Compact, n) => n.min(2),
        (_, n @ 1..=3) => n,
        (_, 4) => 2,
        _ => 3,
    }
}

/// Height of every broker box: room for the most replicas any broker hosts (at least one).
pub fn broker_box_height(max_replicas: usize) -> f64 {
    BROKER_HEADER + max_replicas.max(1) as f64 * SLOT_HEIGHT + 6.0
}

fn consumer_height(lines: usize) -> f64 {
    CLIENT_HEIGHT + lines.min(CONSUMER_MAX_LINES) as f64 * CONSUMER_LINE
}

/// Lays `sizes` out in a column starting at `x`, centred on `center_y` but not above `top`.
fn column(x: f64, top: f64, center_y: f64, sizes: &[(u32, f64)]) -> Vec<(u32, Rect)> {
    let total: f64 =
        sizes.iter().map(|(_, h)| h).sum::<f64>() + GAP * sizes.len().saturating_sub(1) as f64;
    let mut y = (center_y - total / 2.0).max(top);
    sizes
        .iter()
        .map(|&(id, h)| {
            let r = Rect {
                x,
                y,
                w: CLIENT_WIDTH,
                h,
            };
            y += h + GAP;
            (id, r)
        })
        .collect()
}

/// Lays `sizes` out in rows of boxes across `width`, starting at `top`; returns the boxes
/// and the bottom of the last row.
fn rows(width: f64, top: f64, sizes: &[(u32, f64)]) -> (Vec<(u32, Rect)>, f64) {
    let per_row = (((width - 2.0 * MARGIN + GAP) / (CLIENT_WIDTH + GAP)) as usize).max(1);
    let mut out = Vec::with_capacity(sizes.len());
    let mut y = top;
    let mut bottom = top;
    for chunk in sizes.chunks(per_row) {
        let row_w = chunk.len() as f64 * CLIENT_WIDTH + (chunk.len() - 1) as f64 * GAP;
        let mut x = (width - row_w) / 2.0;
        let row_h = chunk.iter().map(|(_, h)| *h).fold(0.0, f64::max);
        for &(id, h) in chunk {
            out.push((
                id,
                Rect {
                    x,
                    y,
                    w: CLIENT_WIDTH,
                    h,
                },
            ));
            x += CLIENT_WIDTH + GAP;
        }
        bottom = y + row_h;
        y = bottom + GAP;
    }
    (out, bottom)
}

fn coordinator_nodes(area: Rect, nodes: &[NodeId]) -> Vec<(NodeId, Rect)> {
    let n = nodes.len().max(1) as f64;
    let w = COORDINATOR_NODE_WIDTH.min((area.w - 20.0 - (n - 1.0) * 10.0) / n);
    let total = n * w + (n - 1.0) * 10.0;
    let mut x = area.x + (area.w - total) / 2.0;
    nodes
        .iter()
        .map(|&id| {
            let r = Rect {
                x,
                y: area.y + area.h - COORDINATOR_NODE_HEIGHT - 8.0,
                w,
                h: COORDINATOR_NODE_HEIGHT,
            };
            x += w + 10.0;
            (id, r)
        })
        .collect()
}

impl Layout {
    pub fn compute(input: &LayoutInput, orientation: Orientation) -> Layout {
        match orientation {
            Orientation::Wide => Self::wide(input, WIDE_WIDTH, Orientation::Wide),
            Orientation::Compact => Self::wide(input, COMPACT_WIDTH, Orientation::Compact),
            Orientation::Narrow => Self::narrow(input),
        }
    }

    /// The layout for `room`: stacked on a phone; else the wide picture, unless it would be
    /// drawn smaller than [`READABLE_SCALE`] and the compact one is drawn larger.
    pub fn fit(input: &LayoutInput, room: Room) -> Layout {
        // A phone's page scrolls through the stacked picture.
        if room.narrow && room.height.is_none() {
            return Self::compute(input, Orientation::Narrow);
        }
        let wide = Self::compute(input, Orientation::Wide);
        if !room.narrow && room.scale(&wide) >= READABLE_SCALE {
            return wide;
        }
        // A frame of fixed size on a phone-sized page may still have room for the wide
        // picture: the one drawn largest, up to its own size (larger is no more readable),
        // the first listed on a tie.
        let order: &[Orientation] = if room.narrow {
            &[Orientation::Narrow, Orientation::Compact, Orientation::Wide]
        } else {
            &[Orientation::Wide, Orientation::Compact]
        };
        let mut best: Option<(f64, Layout)> = None;
        for &o in order {
            let l = if o == Orientation::Wide {
                wide.clone()
            } else {
                Self::compute(input, o)
            };
            let s = room.scale(&l).min(1.0);
            if best.as_ref().is_none_or(|(b, _)| s > *b) {
                best = Some((s, l));
            }
        }
        best.map_or(wide, |(_, l)| l)
    }

    /// The broker grid inside the horizontal band `[left, left + width]`, from `top`.
    fn broker_grid(
        input: &LayoutInput,
        orientation: Orientation,
        left: f64,
        width: f64,
        top: f64,
    ) -> (Vec<BrokerBox>, Gutters, f64) {
        let n = input.brokers.len();
        let cols = broker_columns(n, orientation);
        let max_w = match orientation {
            Orientation::Wide | Orientation::Compact => BROKER_BOX_MAX_WIDTH,
            Orientation::Narrow => NARROW_BROKER_WIDTH,
        };
        let row_gap = match orientation {
            Orientation::Wide | Orientation::Compact => BROKER_ROW_GAP,
            Orientation::Narrow => GAP,
        };
        let box_w = ((width - (cols as f64 - 1.0) * GAP) / cols as f64).min(max_w);
        let box_h = broker_box_height(input.brokers.iter().map(|b| b.1).max().unwrap_or(0));
        let grid_w = cols as f64 * box_w + (cols as f64 - 1.0) * GAP;
        let x0 = left + (width - grid_w) / 2.0;
        let boxes: Vec<BrokerBox> = input
            .brokers
            .iter()
            .enumerate()
            .map(|(i, &(id, _))| BrokerBox {
                id,
                row: i / cols,
                rect: Rect {
                    x: x0 + (i % cols) as f64 * (box_w + GAP),
                    y: top + (i / cols) as f64 * (box_h + row_gap),
                    w: box_w,
                    h: box_h,
                },
            })
            .collect();
        let rows = n.div_ceil(cols).max(1);
        let bottom = top + rows as f64 * box_h + (rows as f64 - 1.0) * row_gap;
        let gutters = Gutters {
            rows: (0..=rows)
                .map(|r| match r {
                    0 => top - TOP_GUTTER_ROOM / 2.0,
                    r if r == rows => bottom + COORDINATOR_GAP / 2.0,
                    r => top + r as f64 * (box_h + row_gap) - row_gap / 2.0,
                })
                .collect(),
            columns: (0..=cols)
                .map(|c| x0 + c as f64 * (box_w + GAP) - GAP / 2.0)
                .collect(),
        };
        (boxes, gutters, bottom)
    }

    /// The textbook picture in a `viewBox` `width` wide (wide or compact).
    fn wide(input: &LayoutInput, width: f64, orientation: Orientation) -> Layout {
        let producer_x = MARGIN;
        let consumer_x = width - MARGIN - CLIENT_WIDTH;
        let band_left = producer_x + CLIENT_WIDTH + 30.0;
        let band_w = consumer_x - 30.0 - band_left;
        let top = CAPTION;
        let (brokers, gutters, grid_bottom) =
            Self::broker_grid(input, orientation, band_left, band_w, top + TOP_GUTTER_ROOM);
        let center_y = (top + grid_bottom) / 2.0;
        let producers = column(
            producer_x,
            top,
            center_y,
            &input
                .producers
                .iter()
                .map(|&id| (id, CLIENT_HEIGHT))
                .collect::<Vec<_>>(),
        );
        let consumers = column(
            consumer_x,
            top,
            center_y,
            &input
                .consumers
                .iter()
                .map(|&(id, lines)| (id, consumer_height(lines)))
                .collect::<Vec<_>>(),
        );
        let coordinator_area = Rect {
            x: band_left,
            y: grid_bottom + COORDINATOR_GAP,
            w: band_w,
            h: COORDINATOR_AREA_HEIGHT,
        };
        let coordinators = coordinator_nodes(coordinator_area, &input.coordinators);
        let height = [
            coordinator_area.bottom(),
            producers.last().map_or(0.0, |p| p.1.bottom()),
            consumers.last().map_or(0.0, |c| c.1.bottom()),
        ]
        .into_iter()
        .fold(0.0, f64::max)
            + MARGIN;
        Layout {
            orientation,
            width,
            height,
            producers,
            brokers,
            consumers,
            coordinator_area,
            coordinators,
            colocated: input.colocated.clone(),
            captions: vec![
                (
                    "Producers",
                    Point {
                        x: producer_x + CLIENT_WIDTH / 2.0,
                        y: 18.0,
                    },
                ),
                (
                    "Brokers",
                    Point {
                        x: band_left + band_w / 2.0,
                        y: 18.0,
                    },
                ),
                (
                    "Consumers",
                    Point {
                        x: consumer_x + CLIENT_WIDTH / 2.0,
                        y: 18.0,
                    },
                ),
            ],
            gutters: Some(gutters),
        }
    }

    fn narrow(input: &LayoutInput) -> Layout {
        let width = NARROW_WIDTH;
        let mut captions = Vec::new();
        let mut y = 4.0;
        captions.push((
            "Producers",
            Point {
                x: width / 2.0,
                y: y + 14.0,
            },
        ));
        y += 22.0;
        let sizes: Vec<(u32, f64)> = input
            .producers
            .iter()
            .map(|&id| (id, CLIENT_HEIGHT))
            .collect();
        let (producers, bottom) = rows(width, y, &sizes);
        y = bottom + 30.0;
        captions.push((
            "Brokers",
            Point {
                x: width / 2.0,
                y: y - 8.0,
            },
        ));
        let (brokers, _, grid_bottom) = Self::broker_grid(
            input,
            Orientation::Narrow,
            NARROW_BROKER_LEFT,
            NARROW_BROKER_WIDTH,
            y,
        );
        y = grid_bottom + 30.0;
        captions.push((
            "Consumers",
            Point {
                x: width / 2.0,
                y: y - 8.0,
            },
        ));
        let sizes: Vec<(u32, f64)> = input
            .consumers
            .iter()
            .map(|&(id, lines)| (id, consumer_height(lines)))
            .collect();
        let (consumers, bottom) = rows(width, y, &sizes);
        y = if consumers.is_empty() { y } else { bottom } + 24.0;
        let coordinator_area = Rect {
            x: MARGIN,
            y,
            w: width - 2.0 * MARGIN,
            h: COORDINATOR_AREA_HEIGHT,
        };
        let coordinators = coordinator_nodes(coordinator_area, &input.coordinators);
        Layout {
            orientation: Orientation::Narrow,
            width,
            height: coordinator_area.bottom() + MARGIN,
            producers,
            brokers,
            consumers,
            coordinator_area,
            coordinators,
            colocated: input.colocated.clone(),
            captions,
            gutters: None,
        }
    }

    /// The box of a node, if the layout has one.
    pub fn node_rect(&self, node: NodeId) -> Option<Rect> {
        match node {
            NodeId::Broker(id) => self.brokers.iter().find(|b| b.id == id).map(|b| b.rect),
            NodeId::Producer(id) => self.producers.iter().find(|p| p.0 == id).map(|p| p.1),
            NodeId::Consumer(id) => self.consumers.iter().find(|c| c.0 == id).map(|c| c.1),
            NodeId::Controller(_) | NodeId::ZooKeeper(_) => self
                .coordinators
                .iter()
                .find(|c| c.0 == node)
                .map(|c| c.1)
                .or_else(|| {
                    let host = self.colocated.iter().find(|c| c.0 == node)?.1;
                    self.node_rect(NodeId::Broker(host))
                }),
        }
    }

    /// The centre of a node's box.
    pub fn anchor(&self, node: NodeId) -> Option<Point> {
        self.node_rect(node).map(|r| r.center())
    }

    /// How the router sees a node: a broker (or a role inside one) with its grid row, or a
    /// box left of, right of or below the grid.
    fn route_end(&self, node: NodeId) -> Option<End> {
        let host = match node {
            NodeId::Broker(id) => Some(id),
            NodeId::Controller(_) | NodeId::ZooKeeper(_) => {
                self.colocated.iter().find(|c| c.0 == node).map(|c| c.1)
            }
            _ => None,
        };
        if let Some(id) = host {
            let b = self.brokers.iter().find(|b| b.id == id)?;
            return Some(End::Broker {
                rect: b.rect,
                row: b.row,
            });
        }
        let rect = self.node_rect(node)?;
        Some(match node {
            NodeId::Producer(_) => End::Left(rect),
            NodeId::Consumer(_) => End::Right(rect),
            _ => End::Below(rect),
        })
    }

    /// The path a message from `from` to `to` travels. In the wide layout it runs along the
    /// gutters between the boxes (see [`crate::route`]), so it never crosses another box. On
    /// phones, traffic between brokers arcs right of the single column of brokers and other
    /// traffic runs in the gutter on its left. Requests and responses take opposite lanes.
    pub fn message_path(&self, from: NodeId, to: NodeId) -> Option<Path> {
        let a = self.node_rect(from)?;
        let b = self.node_rect(to)?;
        let lane = lane(from, to);
        if a == b {
            // A role and the broker it runs in: nothing to travel.
            return Some(Path::Line(a.center(), a.center()));
        }
        if let Some(g) = &self.gutters {
            let points = g.route(self.route_end(from)?, self.route_end(to)?, lane, from < to);
            return Some(Path::Poly(points));
        }
        match (from, to) {
            (NodeId::Broker(_), NodeId::Broker(_)) => return Some(broker_arc(&a, &b, lane)),
            (NodeId::Broker(_), _) | (_, NodeId::Broker(_)) => {
                return Some(gutter_route(&a, &b, lane));
            }
            _ => {}
        }
        let (ca, cb) = (a.center(), b.center());
        let (pa, pb) = (edge_point(&a, cb), edge_point(&b, ca));
        Some(Path::Line(
            along(pa, pb, 0.0, lane),
            along(pa, pb, 1.0, lane),
        ))
    }

    /// Where a message from `from` to `to` is drawn at `progress` (0 = just sent,
    /// 1 = arriving).
    pub fn message_point(&self, from: NodeId, to: NodeId, progress: f64) -> Option<Point> {
        self.message_path(from, to).map(|p| p.point_at(progress))
    }
}

/// A message's route: a straight segment, a quadratic curve (start, control, end), or
/// straight segments through two or more points.
#[derive(Clone, Debug, PartialEq)]
pub enum Path {
    Line(Point, Point),
    Arc(Point, Point, Point),
    Poly(Vec<Point>),
}

/// The narrow layout's route between a broker and a client or the coordinator: out of the
/// left edge of one, along the gutter, into the left edge of the other.
fn gutter_route(a: &Rect, b: &Rect, lane: f64) -> Path {
    let g = NARROW_GUTTER_X + lane;
    let ya = a.center().y + lane;
    let yb = b.center().y + lane;
    Path::Poly(vec![
        Point { x: a.x, y: ya },
        Point { x: g, y: ya },
        Point { x: g, y: yb },
        Point { x: b.x, y: yb },
    ])
}

fn dist(a: Point, b: Point) -> f64 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

impl Path {
    pub fn start(&self) -> Point {
        match self {
            Path::Line(a, _) | Path::Arc(a, _, _) => *a,
            Path::Poly(p) => p[0],
        }
    }

    pub fn end(&self) -> Point {
        match self {
            Path::Line(_, b) | Path::Arc(_, _, b) => *b,
            Path::Poly(p) => p[p.len() - 1],
        }
    }

    /// The point at fraction `t` of the way.
    pub fn point_at(&self, t: f64) -> Point {
        match *self {
            Path::Line(a, b) => along(a, b, t, 0.0),
            Path::Arc(a, c, b) => {
                let u = 1.0 - t;
                Point {
                    x: u * u * a.x + 2.0 * u * t * c.x + t * t * b.x,
                    y: u * u * a.y + 2.0 * u * t * c.y + t * t * b.y,
                }
            }
            Path::Poly(ref p) => {
                // Constant speed along the segments.
                let total: f64 = p.windows(2).map(|w| dist(w[0], w[1])).sum();
                if total <= 0.0 {
                    return p[0];
                }
                let mut left = t.clamp(0.0, 1.0) * total;
                for w in p.windows(2) {
                    let len = dist(w[0], w[1]);
                    if left <= len {
                        let f = if len > 0.0 { left / len } else { 1.0 };
                        return along(w[0], w[1], f, 0.0);
                    }
                    left -= len;
                }
                p[p.len() - 1]
            }
        }
    }

    /// The SVG path data (`d` attribute).
    pub fn svg_d(&self) -> String {
        match self {
            Path::Line(a, b) => format!("M{} {}L{} {}", num(a.x), num(a.y), num(b.x), num(b.y)),
            Path::Arc(a, c, b) => format!(
                "M{} {}Q{} {} {} {}",
                num(a.x),
                num(a.y),
                num(c.x),
                num(c.y),
                num(b.x),
                num(b.y)
            ),
            Path::Poly(p) => {
                let mut d = String::new();
                for (i, q) in p.iter().enumerate() {
                    d.push(if i == 0 { 'M' } else { 'L' });
                    d.push_str(&format!("{} {}", num(q.x), num(q.y)));
                }
                d
            }
        }
    }
}

/// Where the ray from the centre of `r` toward `toward` leaves the rectangle.
pub fn edge_point(r: &Rect, toward: Point) -> Point {
    let c = r.center();
    let (dx, dy) = (toward.x - c.x, toward.y - c.y);
    if dx == 0.0 && dy == 0.0 {
        return c;
    }
    let sx = if dx == 0.0 {
        f64::INFINITY
    } else {
        (r.w / 2.0) / dx.abs()
    };
    let sy = if dy == 0.0 {
        f64::INFINITY
    } else {
        (r.h / 2.0) / dy.abs()
    };
    let s = sx.min(sy);
    Point {
        x: c.x + dx * s,
        y: c.y + dy * s,
    }
}

/// The narrow layout's route between two brokers: an arc right of the column of brokers.
fn broker_arc(a: &Rect, b: &Rect, lane: f64) -> Path {
    let extra = if lane > 0.0 { 10.0 } else { 0.0 };
    let pa = Point {
        x: a.right(),
        y: a.center().y + lane,
    };
    let pb = Point {
        x: b.right(),
        y: b.center().y + lane,
    };
    let bulge = 20.0 + (0.1 * (pa.y - pb.y).abs()).min(40.0) + extra;
    let c = Point {
        x: pa.x.max(pb.x) + bulge,
        y: (pa.y + pb.y) / 2.0,
    };
    Path::Arc(pa, c, pb)
}

/// How far a message has travelled: `(now - sent) / (deliver - sent)`, clamped to `[0, 1]`.
pub fn progress(now: f64, sent_at: Millis, deliver_at: Millis) -> f64 {
    if deliver_at <= sent_at {
        return 1.0;
    }
    ((now - sent_at as f64) / (deliver_at - sent_at) as f64).clamp(0.0, 1.0)
}

/// The lane of a message: requests and responses between the same two nodes get opposite
/// lanes, so they never hide each other.
pub fn lane(from: NodeId, to: NodeId) -> f64 {
    if from < to { LANE_OFFSET } else { -LANE_OFFSET }
}

/// The point at `t` of the way from `a` to `b`, moved `lane` units sideways. The sideways
/// direction is measured on the segment oriented from the lower to the higher endpoint, so
/// opposite lanes of `a -> b` and `b -> a` are on opposite sides.
pub fn along(a: Point, b: Point, t: f64, lane: f64) -> Point {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len = (dx * dx + dy * dy).sqrt();
    let (mut nx, mut ny) = if len > 0.0 {
        (-dy / len, dx / len)
    } else {
        (0.0, 0.0)
    };
    // Orient the normal canonically (independent of travel direction).
    if nx < 0.0 || (nx == 0.0 && ny < 0.0) {
        nx = -nx;
        ny = -ny;
    }
    Point {
        x: a.x + dx * t + nx * lane,
        y: a.y + dy * t + ny * lane,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(brokers: usize, replicas: usize) -> LayoutInput {
        LayoutInput {
            producers: vec![0],
            brokers: (1..=brokers as i32).map(|id| (id, replicas)).collect(),
            consumers: vec![(0, 2)],
            coordinators: vec![NodeId::Controller(0)],
            colocated: Vec::new(),
        }
    }

    #[test]
    fn a_colocated_role_is_anchored_at_its_brokers_box() {
        let mut i = input(3, 3);
        i.colocated = vec![(NodeId::Controller(2), 2)];
        let l = Layout::compute(&i, Orientation::Wide);
        assert_eq!(
            l.node_rect(NodeId::Controller(2)),
            l.node_rect(NodeId::Broker(2))
        );
        assert_eq!(l.node_rect(NodeId::Controller(7)), None);
    }

    #[test]
    fn textbook_picture_producers_left_brokers_middle_consumers_right_coordinator_below() {
        let l = Layout::compute(&input(3, 3), Orientation::Wide);
        let p = l.producers[0].1;
        let c = l.consumers[0].1;
        for b in &l.brokers {
            assert!(p.right() < b.rect.x, "producer left of broker {}", b.id);
            assert!(b.rect.right() < c.x, "consumer right of broker {}", b.id);
            assert!(b.rect.bottom() < l.coordinator_area.y, "coordinator below");
        }
        // Three brokers side by side in one row.
        assert_eq!(l.brokers[0].rect.y, l.brokers[2].rect.y);
        assert!(l.brokers[0].rect.right() < l.brokers[1].rect.x);
        let ctl = l.node_rect(NodeId::Controller(0)).unwrap();
        assert!(ctl.x >= l.coordinator_area.x && ctl.right() <= l.coordinator_area.right());
    }

    #[test]
    fn nine_brokers_make_a_three_by_three_grid_without_overlap() {
        let l = Layout::compute(&input(9, 36), Orientation::Wide);
        assert_eq!(broker_columns(9, Orientation::Wide), 3);
        for (i, a) in l.brokers.iter().enumerate() {
            for b in &l.brokers[i + 1..] {
                assert!(!a.rect.overlaps(&b.rect), "{} overlaps {}", a.id, b.id);
            }
            assert!(a.rect.right() <= l.width && a.rect.bottom() <= l.height);
        }
        assert_eq!(l.brokers[3].rect.x, l.brokers[0].rect.x);
        assert!(l.brokers[3].rect.y > l.brokers[0].rect.bottom());
    }

    #[test]
    fn every_replica_slot_fits_inside_its_broker_box() {
        for o in [Orientation::Wide, Orientation::Compact, Orientation::Narrow] {
            let l = Layout::compute(&input(9, 36), o);
            for b in &l.brokers {
                for i in 0..36 {
                    let s = b.slot(i);
                    assert!(s.y >= b.rect.y + BROKER_HEADER - 0.001);
                    assert!(s.bottom() <= b.rect.bottom(), "slot {i} of broker {}", b.id);
                    assert!(s.x > b.rect.x && s.right() < b.rect.right());
                }
            }
        }
    }

    #[test]
    fn narrow_layout_stacks_producers_brokers_consumers_coordinator() {
        let l = Layout::compute(&input(3, 3), Orientation::Narrow);
        assert_eq!(l.width, NARROW_WIDTH);
        let p = l.producers[0].1;
        let first = l.brokers[0].rect;
        let last = l.brokers[2].rect;
        let c = l.consumers[0].1;
        assert!(p.bottom() < first.y);
        assert!(first.bottom() < l.brokers[1].rect.y, "one broker per row");
        assert!(last.bottom() < c.y);
        assert!(c.bottom() < l.coordinator_area.y);
        assert!(l.coordinator_area.bottom() <= l.height);
        for b in &l.brokers {
            assert!(b.rect.x >= 0.0 && b.rect.right() <= l.width);
        }
    }

    #[test]
    fn a_list_of_coordinator_nodes_fits_in_the_coordinator_area() {
        let mut i = input(3, 3);
        i.coordinators = (0..5).map(NodeId::Controller).collect();
        for o in [Orientation::Wide, Orientation::Compact, Orientation::Narrow] {
            let l = Layout::compute(&i, o);
            assert_eq!(l.coordinators.len(), 5);
            for (k, (_, r)) in l.coordinators.iter().enumerate() {
                assert!(r.x >= l.coordinator_area.x && r.right() <= l.coordinator_area.right());
                if let Some((_, next)) = l.coordinators.get(k + 1) {
                    assert!(!r.overlaps(next));
                }
            }
        }
    }

    #[test]
    fn compact_is_the_wide_picture_narrower_with_two_broker_columns() {
        let l = Layout::compute(&input(3, 3), Orientation::Compact);
        assert_eq!(l.width, COMPACT_WIDTH);
        let p = l.producers[0].1;
        let c = l.consumers[0].1;
        for b in &l.brokers {
            assert!(p.right() < b.rect.x && b.rect.right() < c.x);
            assert!(b.rect.bottom() < l.coordinator_area.y);
        }
        // Brokers 1 and 2 side by side, broker 3 below broker 1.
        assert_eq!(l.brokers[0].rect.y, l.brokers[1].rect.y);
        assert_eq!(l.brokers[2].rect.x, l.brokers[0].rect.x);
        assert!(l.brokers[2].rect.y > l.brokers[0].rect.bottom());
        for (i, a) in l.brokers.iter().enumerate() {
            for b in &l.brokers[i + 1..] {
                assert!(!a.rect.overlaps(&b.rect));
            }
        }
    }

    #[test]
    fn the_layout_fits_its_room_and_keeps_text_readable_where_it_can() {
        let three = input(3, 3);
        let room = |width, height| Room {
            width,
            height,
            narrow: false,
        };
        // The page at 1280x800 (the diagram about 900 px wide): the full picture, at 0.9.
        let l = Layout::fit(&three, room(905.0, Some(800.0)));
        assert_eq!(l.orientation, Orientation::Wide);
        // At 1024x768 (640 px): the compact one, at 0.91 instead of 0.64.
        let l = Layout::fit(&three, room(640.0, Some(768.0)));
        assert_eq!(l.orientation, Orientation::Compact);
        // The stress preset there: two columns of nine tall brokers would not fit the window
        // and be drawn smaller than the wide grid, which stays.
        let stress = input(9, 12);
        let l = Layout::fit(&stress, room(640.0, Some(768.0)));
        assert_eq!(l.orientation, Orientation::Wide);
        // A frame in a course page, beside its lesson panel: the wide picture would be drawn
        // at 0.56 (6-px labels); the compact one is drawn at 0.75 or more.
        let frame = room(563.0, Some(411.0));
        let wide = Layout::compute(&three, Orientation::Wide);
        assert!(frame.scale(&wide) < 0.6);
        let l = Layout::fit(&three, frame);
        assert_eq!(l.orientation, Orientation::Compact);
        assert!(frame.scale(&l) >= READABLE_SCALE, "{}", frame.scale(&l));
        // Nine brokers with 36 replicas each in that frame: the compact picture would be taller
        // and drawn smaller still, so the wide one stays.
        let l = Layout::fit(&input(9, 36), frame);
        assert_eq!(l.orientation, Orientation::Wide);
        // A phone's page: stacked, whatever the room.
        let phone = Room {
            width: 380.0,
            height: None,
            narrow: true,
        };
        assert_eq!(Layout::fit(&three, phone).orientation, Orientation::Narrow);
        // A frame 650 px wide and 300 px high in a page 700 px wide: the stacked picture would
        // be drawn at 0.375, the wide one at 0.65.
        let frame = Room {
            width: 650.0,
            height: Some(300.0),
            narrow: true,
        };
        let l = Layout::fit(&three, frame);
        assert_eq!(l.orientation, Orientation::Wide);
        assert!(frame.scale(&l) > 0.6);
        // A phone's frame, 380 x 700: stacked.
        let frame = Room {
            width: 380.0,
            height: Some(700.0),
            narrow: true,
        };
        assert_eq!(Layout::fit(&three, frame).orientation, Orientation::Narrow);
    }

    #[test]
    fn message_progress_is_elapsed_over_flight_time_clamped() {
        assert_eq!(progress(100.0, 100, 140), 0.0);
        assert_eq!(progress(110.0, 100, 140), 0.25);
        assert_eq!(progress(140.0, 100, 140), 1.0);
        assert_eq!(progress(90.0, 100, 140), 0.0);
        assert_eq!(progress(500.0, 100, 140), 1.0);
        assert_eq!(progress(100.0, 100, 100), 1.0);
    }

    fn on_boundary(r: &Rect, p: Point, tol: f64) -> bool {
        let inside_x = p.x >= r.x - tol && p.x <= r.right() + tol;
        let inside_y = p.y >= r.y - tol && p.y <= r.bottom() + tol;
        let near_edge = (p.x - r.x).abs() <= tol
            || (p.x - r.right()).abs() <= tol
            || (p.y - r.y).abs() <= tol
            || (p.y - r.bottom()).abs() <= tol;
        inside_x && inside_y && near_edge
    }

    #[test]
    fn a_dot_moves_from_the_senders_edge_to_the_receivers_edge() {
        let l = Layout::compute(&input(3, 3), Orientation::Wide);
        let from = NodeId::Producer(0);
        let to = NodeId::Broker(2);
        let start = l.message_point(from, to, 0.0).unwrap();
        let mid = l.message_point(from, to, 0.5).unwrap();
        let end = l.message_point(from, to, 1.0).unwrap();
        assert!(
            on_boundary(&l.node_rect(from).unwrap(), start, LANE_OFFSET + 0.01),
            "{start:?}"
        );
        assert!(
            on_boundary(&l.node_rect(to).unwrap(), end, LANE_OFFSET + 0.01),
            "{end:?}"
        );
        let path = l.message_path(from, to).unwrap();
        assert_eq!(path.point_at(0.5), mid);
    }

    #[test]
    fn a_dot_moves_at_constant_speed_along_a_polyline() {
        let p = Path::Poly(vec![
            Point { x: 0.0, y: 0.0 },
            Point { x: 10.0, y: 0.0 },
            Point { x: 10.0, y: 10.0 },
        ]);
        assert_eq!(p.point_at(0.25), Point { x: 5.0, y: 0.0 });
        assert_eq!(p.point_at(0.75), Point { x: 10.0, y: 5.0 });
        assert_eq!(p.point_at(1.0), Point { x: 10.0, y: 10.0 });
        assert_eq!(p.svg_d(), "M0 0L10 0L10 10");
    }

    /// Every box of a layout, with the node it belongs to (for brokers, the broker).
    fn boxes(l: &Layout) -> Vec<Rect> {
        let mut all: Vec<Rect> = l.brokers.iter().map(|b| b.rect).collect();
        all.extend(l.producers.iter().map(|p| p.1));
        all.extend(l.consumers.iter().map(|c| c.1));
        all.extend(l.coordinators.iter().map(|c| c.1));
        all
    }

    fn nodes(l: &Layout) -> Vec<NodeId> {
        let mut all: Vec<NodeId> = l.brokers.iter().map(|b| NodeId::Broker(b.id)).collect();
        all.extend(l.producers.iter().map(|p| NodeId::Producer(p.0)));
        all.extend(l.consumers.iter().map(|c| NodeId::Consumer(c.0)));
        all.extend(l.coordinators.iter().map(|c| c.0));
        all.extend(l.colocated.iter().map(|c| c.0));
        all
    }

    #[test]
    fn in_the_wide_and_compact_layouts_no_message_crosses_a_box_it_does_not_connect() {
        for (brokers, o) in
            (1..=9).flat_map(|b| [(b, Orientation::Wide), (b, Orientation::Compact)])
        {
            for combined in [false, true] {
                let mut i = input(brokers, 4);
                i.producers = vec![0, 1];
                i.consumers = vec![(0, 2), (1, 0), (2, 6)];
                if combined {
                    i.coordinators = Vec::new();
                    i.colocated = (1..=brokers.min(3) as i32)
                        .map(|b| (NodeId::Controller(b), b))
                        .collect();
                } else {
                    i.coordinators = (100..103).map(NodeId::Controller).collect();
                }
                let l = Layout::compute(&i, o);
                for from in nodes(&l) {
                    for to in nodes(&l) {
                        let (ra, rb) = (l.node_rect(from).unwrap(), l.node_rect(to).unwrap());
                        if ra == rb {
                            continue;
                        }
                        let path = l.message_path(from, to).unwrap();
                        let Path::Poly(points) = &path else {
                            panic!("{from} -> {to}: {path:?}")
                        };
                        assert!(
                            points
                                .windows(2)
                                .all(|w| w[0].x == w[1].x || w[0].y == w[1].y),
                            "{from} -> {to} is not drawn along the gutters: {points:?}"
                        );
                        assert!(on_boundary(&ra, path.start(), LANE_OFFSET + 0.01));
                        assert!(on_boundary(&rb, path.end(), LANE_OFFSET + 0.01));
                        for k in 0..=200 {
                            let p = path.point_at(k as f64 / 200.0);
                            assert!(p.x >= 0.0 && p.x <= l.width && p.y >= 0.0 && p.y <= l.height);
                            for r in boxes(&l) {
                                if r == ra || r == rb {
                                    continue;
                                }
                                let inside =
                                    p.x > r.x && p.x < r.right() && p.y > r.y && p.y < r.bottom();
                                assert!(
                                    !inside,
                                    "{brokers} brokers: {from} -> {to} crosses {r:?} at {p:?}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn on_phones_replication_arcs_right_of_the_brokers() {
        let l = Layout::compute(&input(3, 3), Orientation::Narrow);
        let path = l
            .message_path(NodeId::Broker(1), NodeId::Broker(3))
            .unwrap();
        let side = path.point_at(0.5);
        assert!(
            side.x > l.brokers[0].rect.right() && side.x < l.width,
            "{side:?}"
        );
    }

    #[test]
    fn on_phones_client_and_controller_traffic_runs_in_the_gutter_not_through_brokers() {
        let l = Layout::compute(&input(3, 3), Orientation::Narrow);
        let ctl = NodeId::Controller(0);
        for (from, to) in [
            (ctl, NodeId::Broker(1)),
            (NodeId::Broker(1), ctl),
            (NodeId::Producer(0), NodeId::Broker(3)),
        ] {
            let path = l.message_path(from, to).unwrap();
            assert!(matches!(path, Path::Poly(_)));
            for k in 1..100 {
                let p = path.point_at(k as f64 / 100.0);
                for b in &l.brokers {
                    let inside = p.x > b.rect.x + 0.5
                        && p.x < b.rect.right()
                        && p.y > b.rect.y
                        && p.y < b.rect.bottom();
                    assert!(!inside, "{from} -> {to} crosses broker {} at {p:?}", b.id);
                }
                assert!(p.x >= 0.0 && p.x <= l.width);
            }
            assert_eq!(path.point_at(0.0), path.start());
            assert_eq!(path.point_at(1.0), path.end());
        }
    }

    #[test]
    fn edge_point_leaves_the_box_toward_the_target() {
        let r = Rect {
            x: 0.0,
            y: 0.0,
            w: 100.0,
            h: 50.0,
        };
        assert_eq!(
            edge_point(&r, Point { x: 500.0, y: 25.0 }),
            Point { x: 100.0, y: 25.0 }
        );
        assert_eq!(
            edge_point(&r, Point { x: 50.0, y: -100.0 }),
            Point { x: 50.0, y: 0.0 }
        );
        assert_eq!(edge_point(&r, r.center()), r.center());
    }

    #[test]
    fn svg_path_data_matches_the_route() {
        let p = Path::Line(Point { x: 0.0, y: 1.0 }, Point { x: 2.5, y: 3.0 });
        assert_eq!(p.svg_d(), "M0 1L2.5 3");
        let q = Path::Arc(
            Point { x: 0.0, y: 0.0 },
            Point { x: 5.0, y: -10.0 },
            Point { x: 10.0, y: 0.0 },
        );
        assert_eq!(q.svg_d(), "M0 0Q5 -10 10 0");
        assert_eq!(q.point_at(0.5), Point { x: 5.0, y: -5.0 });
    }

    #[test]
    fn request_and_response_travel_on_opposite_lanes() {
        let a = Point { x: 0.0, y: 0.0 };
        let b = Point { x: 100.0, y: 0.0 };
        let req = along(a, b, 0.5, lane(NodeId::Broker(1), NodeId::Broker(2)));
        let resp = along(b, a, 0.5, lane(NodeId::Broker(2), NodeId::Broker(1)));
        assert_eq!(req.x, 50.0);
        assert_eq!(resp.x, 50.0);
        assert_eq!(req.y, -resp.y);
        assert_ne!(req.y, 0.0);
    }

    #[test]
    fn unknown_nodes_have_no_position() {
        let l = Layout::compute(&input(3, 3), Orientation::Wide);
        assert!(l.anchor(NodeId::Broker(7)).is_none());
        assert!(
            l.message_point(NodeId::Broker(1), NodeId::Consumer(9), 0.5)
                .is_none()
        );
    }
}
