//! What the page's live region (`#announcer`, visually hidden, polite) says: brief summaries
//! of the events that change the cluster's shape (`narrate::announcement`), at most one every
//! [`ANNOUNCE_EVERY_MS`] of wall time, so a screen reader hears the story, not a flood. The
//! event log itself is not a live region.

use super::world::LogLine;

/// The least wall time between two announcements (ms).
pub const ANNOUNCE_EVERY_MS: f64 = 2000.0;
/// How many events one announcement names; the rest are counted.
pub const MAX_NAMED: usize = 3;

/// What [`Announcer::flush`] did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Flush {
    /// Nothing waits to be said.
    Idle,
    /// `text` changed: say it.
    Said,
    /// Something waits; call again after this many ms.
    Wait(f64),
}

#[derive(Clone, Debug, Default)]
pub struct Announcer {
    /// The newest log line taken in.
    seen: Option<u64>,
    pending: Vec<String>,
    last_said: Option<f64>,
    /// What the live region holds.
    pub text: String,
}

impl Announcer {
    /// Takes note of the log as it is (`lines`, oldest first) without announcing anything:
    /// what a seek, a reset or the state a page opens on shows is not news.
    pub fn skip<'a>(&mut self, lines: impl DoubleEndedIterator<Item = &'a LogLine>) {
        self.pending.clear();
        self.seen = lines.last().map(|l| l.id);
    }

    /// Takes in the lines newer than the newest one at the last look (`lines`: the whole log,
    /// oldest first). Line ids grow with simulated time, so after a seek back (a `skip`) the
    /// lines of the session's future are news again when playing replays them, and so are
    /// the lines of an action taken in the past.
    pub fn take<'a>(&mut self, lines: impl DoubleEndedIterator<Item = &'a LogLine>) {
        let seen = self.seen;
        let mut newest = None;
        let mut news = Vec::new();
        for l in lines.rev() {
            newest.get_or_insert(l.id);
            if seen.is_some_and(|s| l.id <= s) {
                break;
            }
            if let Some(a) = &l.announce {
                news.push(a.clone());
            }
        }
        self.pending.extend(news.into_iter().rev());
        if newest.is_some() {
            self.seen = newest;
        }
    }

    /// Says what waits if the last announcement was long enough ago (`now`: wall ms).
    pub fn flush(&mut self, now: f64) -> Flush {
        if self.pending.is_empty() {
            return Flush::Idle;
        }
        if let Some(last) = self.last_said {
            let left = last + ANNOUNCE_EVERY_MS - now;
            if left > 0.0 {
                return Flush::Wait(left);
            }
        }
        // Oldest first, the first few by name, the rest counted.
        let named = self.pending.len().min(MAX_NAMED);
        let more = self.pending.len() - named;
        let mut text = self.pending[..named].join(". ");
        if more > 0 {
            text.push_str(&format!(
                ". {more} more event{} in the event log",
                if more == 1 { "" } else { "s" }
            ));
        }
        text.push('.');
        self.pending.clear();
        self.last_said = Some(now);
        self.text = text;
        Flush::Said
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: u64, announce: Option<&str>) -> LogLine {
        LogLine {
            id,
            time: id * 10,
            text: format!("line {id}"),
            detail: false,
            announce: announce.map(str::to_owned),
        }
    }

    #[test]
    fn names_a_few_counts_the_rest_and_waits_between_announcements() {
        let mut a = Announcer::default();
        let mut log = vec![line(0, Some("broker 1 crashed"))];
        a.skip(log.iter());
        assert_eq!(a.flush(0.0), Flush::Idle, "the opening state is not news");
        log.extend([line(1, Some("broker 2 crashed")), line(2, None)]);
        a.take(log.iter());
        assert_eq!(a.flush(100.0), Flush::Said);
        assert_eq!(a.text, "broker 2 crashed.");
        a.take(log.iter());
        assert_eq!(a.flush(5000.0), Flush::Idle, "nothing new");
        for i in 3..9 {
            log.push(line(i, Some(&format!("e{i}"))));
            if i % 2 == 0 {
                a.take(log.iter());
            }
        }
        a.take(log.iter());
        assert_eq!(a.flush(6000.0), Flush::Said);
        assert_eq!(a.text, "e3. e4. e5. 3 more events in the event log.");
        log.push(line(9, Some("e9")));
        a.take(log.iter());
        assert_eq!(a.flush(7000.0), Flush::Wait(1000.0));
        assert_eq!(
            a.text, "e3. e4. e5. 3 more events in the event log.",
            "unchanged while waiting"
        );
        assert_eq!(a.flush(8000.0), Flush::Said);
        assert_eq!(a.text, "e9.");
    }

    #[test]
    fn after_a_seek_back_replayed_lines_and_actions_in_the_past_are_news() {
        let mut a = Announcer::default();
        let log: Vec<LogLine> = (0..5).map(|i| line(i, Some(&format!("e{i}")))).collect();
        a.skip(log.iter());
        // Seek back to where the log ended at line 2, then an action there (line 3 again).
        a.skip(log[..3].iter());
        assert_eq!(a.flush(0.0), Flush::Idle);
        let forked = [line(3, Some("broker 2 crashed"))];
        a.take(log[..3].iter().chain(forked.iter()));
        assert_eq!(a.flush(10.0), Flush::Said);
        assert_eq!(a.text, "broker 2 crashed.");
    }
}
