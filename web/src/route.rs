//! Message routes in the wide layout: along the gutters between the boxes, like the wiring
//! of a textbook diagram, so a dot never flies over a broker it is not meant for.
//!
//! The broker grid leaves a horizontal gutter above every row and below the last one, and a
//! vertical gutter left of every column and right of the last one. Every box reaches the
//! gutter network by a short straight stub: a broker from the middle of its top or bottom
//! edge, a producer from its right edge (to the left gutter), a consumer from its left edge
//! (to the right gutter), a coordinator node from its top edge (to the gutter below the
//! grid). A route is stub, at most two turns in the gutters, stub; of the stubs a box offers,
//! the shortest route wins.

use crate::layout::{Point, Rect};

/// The gutter lines of a broker grid.
#[derive(Clone, Debug, PartialEq)]
pub struct Gutters {
    /// The y of each horizontal gutter, top to bottom: one above each row and one below the
    /// last row.
    pub rows: Vec<f64>,
    /// The x of each vertical gutter, left to right: one left of each column and one right of
    /// the last column.
    pub columns: Vec<f64>,
}

/// What a box is, for routing: which stubs it has.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum End {
    /// A broker box in row `row` of the grid (a role running inside a broker counts as it).
    Broker { rect: Rect, row: usize },
    /// A box left of the grid.
    Left(Rect),
    /// A box right of the grid.
    Right(Rect),
    /// A box below the grid.
    Below(Rect),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Line {
    Row(usize),
    Column(usize),
}

/// A stub: where it leaves the box, where it meets the gutter, and which gutter.
#[derive(Clone, Copy, Debug)]
struct Stub {
    port: Point,
    joint: Point,
    on: Line,
    /// The port is on a top or bottom edge (the stub is vertical).
    vertical: bool,
}

impl Gutters {
    fn stubs(&self, end: End) -> Vec<Stub> {
        let last_row = self.rows.len() - 1;
        let last_column = self.columns.len() - 1;
        let top = |r: &Rect, line: usize| Stub {
            port: Point {
                x: r.center().x,
                y: r.y,
            },
            joint: Point {
                x: r.center().x,
                y: self.rows[line],
            },
            on: Line::Row(line),
            vertical: true,
        };
        match end {
            End::Broker { rect, row } => {
                let row = row.min(last_row - 1);
                vec![
                    top(&rect, row),
                    Stub {
                        port: Point {
                            x: rect.center().x,
                            y: rect.bottom(),
                        },
                        joint: Point {
                            x: rect.center().x,
                            y: self.rows[row + 1],
                        },
                        on: Line::Row(row + 1),
                        vertical: true,
                    },
                ]
            }
            End::Below(r) => vec![top(&r, last_row)],
            End::Left(r) => vec![Stub {
                port: Point {
                    x: r.right(),
                    y: r.center().y,
                },
                joint: Point {
                    x: self.columns[0],
                    y: r.center().y,
                },
                on: Line::Column(0),
                vertical: false,
            }],
            End::Right(r) => vec![Stub {
                port: Point {
                    x: r.x,
                    y: r.center().y,
                },
                joint: Point {
                    x: self.columns[last_column],
                    y: r.center().y,
                },
                on: Line::Column(last_column),
                vertical: false,
            }],
        }
    }

    /// The turns between two joints, staying on the gutter lines.
    fn turns(&self, a: &Stub, b: &Stub) -> Vec<Point> {
        match (a.on, b.on) {
            (Line::Row(i), Line::Row(j)) if i == j => Vec::new(),
            (Line::Column(i), Line::Column(j)) if i == j => Vec::new(),
            (Line::Row(i), Line::Row(j)) => {
                let x = nearest(&self.columns, a.joint.x, b.joint.x);
                vec![Point { x, y: self.rows[i] }, Point { x, y: self.rows[j] }]
            }
            (Line::Column(i), Line::Column(j)) => {
                let y = nearest(&self.rows, a.joint.y, b.joint.y);
                vec![
                    Point {
                        x: self.columns[i],
                        y,
                    },
                    Point {
                        x: self.columns[j],
                        y,
                    },
                ]
            }
            (Line::Row(i), Line::Column(j)) | (Line::Column(j), Line::Row(i)) => vec![Point {
                x: self.columns[j],
                y: self.rows[i],
            }],
        }
    }

    /// The route from `a` to `b` as a polyline of axis-parallel segments, moved `lane`
    /// units off the gutter centre lines (requests and responses pass side by side). The
    /// geometry is chosen from the unordered pair, so both directions share one route.
    pub fn route(&self, a: End, b: End, lane: f64, a_first: bool) -> Vec<Point> {
        let (first, second) = if a_first { (a, b) } else { (b, a) };
        let mut best: Option<(f64, Vec<Point>, bool, bool)> = None;
        for sa in self.stubs(first) {
            for sb in self.stubs(second) {
                let mut points = vec![sa.port, sa.joint];
                points.extend(self.turns(&sa, &sb));
                points.extend([sb.joint, sb.port]);
                let length = length(&points);
                if best.as_ref().is_none_or(|b| length < b.0 - 1e-9) {
                    best = Some((length, points, sa.vertical, sb.vertical));
                }
            }
        }
        let (_, mut points, first_vertical, second_vertical) = best.expect("every end has a stub");
        if !a_first {
            points.reverse();
        }
        let (start_vertical, end_vertical) = if a_first {
            (first_vertical, second_vertical)
        } else {
            (second_vertical, first_vertical)
        };
        let n = points.len();
        for (k, p) in points.iter_mut().enumerate() {
            // A port slides along its edge; every gutter point moves diagonally, which keeps
            // each segment axis-parallel.
            let (dx, dy) = match (k, k == n - 1) {
                (0, _) if start_vertical => (lane, 0.0),
                (0, _) => (0.0, lane),
                (_, true) if end_vertical => (lane, 0.0),
                (_, true) => (0.0, lane),
                _ => (lane, lane),
            };
            p.x += dx;
            p.y += dy;
        }
        points.dedup();
        // A joint on a straight run is no turn.
        let mut k = 1;
        while k + 1 < points.len() {
            let (p, q, r) = (points[k - 1], points[k], points[k + 1]);
            if (p.x == q.x && q.x == r.x) || (p.y == q.y && q.y == r.y) {
                points.remove(k);
            } else {
                k += 1;
            }
        }
        points
    }
}

/// The value of `lines` that makes the detour from `a` to `b` through it shortest (the first
/// on a tie).
fn nearest(lines: &[f64], a: f64, b: f64) -> f64 {
    lines
        .iter()
        .copied()
        .fold(None, |best: Option<f64>, v| {
            let cost = (a - v).abs() + (b - v).abs();
            match best {
                Some(w) if (a - w).abs() + (b - w).abs() <= cost => Some(w),
                _ => Some(v),
            }
        })
        .unwrap_or(a)
}

fn length(points: &[Point]) -> f64 {
    points
        .windows(2)
        .map(|w| (w[0].x - w[1].x).abs() + (w[0].y - w[1].y).abs())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Gutters {
        Gutters {
            rows: vec![10.0, 110.0, 210.0],
            columns: vec![10.0, 110.0, 210.0],
        }
    }

    fn broker(col: usize, row: usize) -> End {
        End::Broker {
            rect: Rect {
                x: 20.0 + 100.0 * col as f64,
                y: 20.0 + 100.0 * row as f64,
                w: 80.0,
                h: 80.0,
            },
            row,
        }
    }

    fn axis_parallel(points: &[Point]) -> bool {
        points
            .windows(2)
            .all(|w| w[0].x == w[1].x || w[0].y == w[1].y)
    }

    #[test]
    fn neighbours_in_a_column_connect_straight_through_the_gutter_between_them() {
        let r = grid().route(broker(0, 0), broker(0, 1), 0.0, true);
        assert_eq!(
            r,
            vec![Point { x: 60.0, y: 100.0 }, Point { x: 60.0, y: 120.0 }]
        );
    }

    #[test]
    fn diagonal_neighbours_turn_twice_in_the_gutters() {
        let r = grid().route(broker(0, 0), broker(1, 1), 0.0, true);
        assert!(axis_parallel(&r), "{r:?}");
        assert_eq!(r.first(), Some(&Point { x: 60.0, y: 100.0 }));
        assert_eq!(r.last(), Some(&Point { x: 160.0, y: 120.0 }));
    }

    #[test]
    fn both_directions_share_the_route_on_opposite_lanes() {
        let g = grid();
        let there = g.route(broker(0, 0), broker(1, 1), 5.0, true);
        let mut back = g.route(broker(1, 1), broker(0, 0), -5.0, false);
        back.reverse();
        assert_eq!(there.len(), back.len());
        for (p, q) in there.iter().zip(&back) {
            let moved = (p.x - q.x).abs() + (p.y - q.y).abs();
            assert!(moved > 0.0 && moved <= 20.0, "{p:?} {q:?}");
        }
        assert!(axis_parallel(&there) && axis_parallel(&back));
    }

    #[test]
    fn a_client_left_of_the_grid_enters_by_the_left_gutter() {
        let producer = End::Left(Rect {
            x: -100.0,
            y: 140.0,
            w: 80.0,
            h: 40.0,
        });
        let r = grid().route(producer, broker(1, 0), 0.0, true);
        assert_eq!(r[0], Point { x: -20.0, y: 160.0 });
        assert_eq!(r[1], Point { x: 10.0, y: 160.0 });
        assert!(axis_parallel(&r), "{r:?}");
        // The gutter below the broker's row is nearer the producer than the one above.
        assert_eq!(r[2], Point { x: 10.0, y: 110.0 });
        assert_eq!(r.last(), Some(&Point { x: 160.0, y: 100.0 }));
    }
}
