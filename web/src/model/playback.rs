//! The playback clock: maps wall time to simulated time through a speed factor chosen on a
//! logarithmic scale. While paused it does not move, and nothing asks it to.

/// Slowest speed, as log10 of the factor: 0.01x (a 40 ms link takes 4 s to cross).
pub const MIN_SPEED_LOG10: f64 = -2.0;
/// Fastest speed, as log10 of the factor: 10x.
pub const MAX_SPEED_LOG10: f64 = 1.0;
/// Default: 0.1x, so a message on a 40 ms teaching link is seen for 0.4 s.
pub const DEFAULT_SPEED_LOG10: f64 = -1.0;
/// Longest wall-time gap one frame may account for; a stalled tab does not leap ahead.
pub const MAX_FRAME_GAP_MS: f64 = 100.0;

#[derive(Clone, Debug, PartialEq)]
pub struct Playback {
    playing: bool,
    speed_log10: f64,
    /// Simulated time shown, in ms, with a fraction so that dots move smoothly.
    sim_time: f64,
    last_wall: Option<f64>,
}

impl Default for Playback {
    fn default() -> Self {
        Self {
            playing: true,
            speed_log10: DEFAULT_SPEED_LOG10,
            sim_time: 0.0,
            last_wall: None,
        }
    }
}

impl Playback {
    pub fn playing(&self) -> bool {
        self.playing
    }

    pub fn play(&mut self) {
        self.playing = true;
        self.last_wall = None;
    }

    pub fn pause(&mut self) {
        self.playing = false;
        self.last_wall = None;
    }

    pub fn speed_log10(&self) -> f64 {
        self.speed_log10
    }

    /// Simulated milliseconds per wall millisecond.
    pub fn speed(&self) -> f64 {
        10f64.powf(self.speed_log10)
    }

    pub fn set_speed_log10(&mut self, v: f64) {
        if v.is_finite() {
            self.speed_log10 = v.clamp(MIN_SPEED_LOG10, MAX_SPEED_LOG10);
        }
    }

    pub fn sim_time(&self) -> f64 {
        self.sim_time
    }

    /// Moves the clock to `t` (after a single step, or a reset). Never backwards, except by
    /// [`Playback::reset`].
    pub fn jump_to(&mut self, t: f64) {
        self.sim_time = self.sim_time.max(t);
    }

    /// Sets the clock to `t`, backwards too (time travel: a seek or a step back).
    pub fn seek_to(&mut self, t: f64) {
        self.sim_time = t;
        self.last_wall = None;
    }

    pub fn reset(&mut self) {
        self.sim_time = 0.0;
        self.last_wall = None;
    }

    /// Forget the last frame's wall time (after the tab was hidden): the next frame starts a
    /// new interval instead of catching up.
    pub fn resync(&mut self) {
        self.last_wall = None;
    }

    /// An animation frame at wall time `wall_ms`: advances simulated time by the wall time
    /// since the previous frame (at most [`MAX_FRAME_GAP_MS`]) times the speed. Returns the
    /// new simulated time.
    pub fn tick(&mut self, wall_ms: f64) -> f64 {
        if self.playing {
            if let Some(last) = self.last_wall {
                let dt = (wall_ms - last).clamp(0.0, MAX_FRAME_GAP_MS);
                self.sim_time += dt * self.speed();
            }
            self.last_wall = Some(wall_ms);
        }
        self.sim_time
    }

    /// The speed as people read it: `0.10x`, `2.5x`.
    pub fn speed_label(&self) -> String {
        let s = self.speed();
        if s < 1.0 {
            format!("{}x", crate::fmt::fixed(s, 2))
        } else {
            format!("{}x", crate::fmt::fixed(s, 1))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn seek_moves_the_clock_backwards_too() {
        let mut p = super::Playback::default();
        p.jump_to(5_000.0);
        p.jump_to(1_000.0);
        assert_eq!(p.sim_time(), 5_000.0);
        p.seek_to(1_000.0);
        assert_eq!(p.sim_time(), 1_000.0);
    }

    use super::*;

    #[test]
    fn speed_is_logarithmic_and_clamped() {
        let mut p = Playback::default();
        assert!((p.speed() - 0.1).abs() < 1e-12);
        p.set_speed_log10(0.0);
        assert_eq!(p.speed(), 1.0);
        p.set_speed_log10(5.0);
        assert_eq!(p.speed(), 10.0);
        p.set_speed_log10(-9.0);
        assert!((p.speed() - 0.01).abs() < 1e-12);
        p.set_speed_log10(f64::NAN);
        assert!((p.speed() - 0.01).abs() < 1e-12);
    }

    #[test]
    fn wall_time_maps_to_sim_time_through_the_speed() {
        let mut p = Playback::default();
        p.set_speed_log10(0.0);
        assert_eq!(p.tick(1000.0), 0.0, "first frame only sets the origin");
        assert_eq!(p.tick(1016.0), 16.0);
        p.set_speed_log10(-1.0);
        assert!((p.tick(1032.0) - 17.6).abs() < 1e-9);
    }

    #[test]
    fn paused_clock_does_not_move_and_resumes_without_a_jump() {
        let mut p = Playback::default();
        p.set_speed_log10(0.0);
        p.tick(0.0);
        p.tick(10.0);
        p.pause();
        assert_eq!(p.tick(5000.0), 10.0);
        p.play();
        assert_eq!(p.tick(6000.0), 10.0);
        assert_eq!(p.tick(6010.0), 20.0);
    }

    #[test]
    fn a_stalled_tab_advances_at_most_one_frame_gap() {
        let mut p = Playback::default();
        p.set_speed_log10(0.0);
        p.tick(0.0);
        assert_eq!(p.tick(60_000.0), MAX_FRAME_GAP_MS);
    }

    #[test]
    fn step_jumps_forward_only_and_reset_rewinds() {
        let mut p = Playback::default();
        p.jump_to(120.0);
        p.jump_to(80.0);
        assert_eq!(p.sim_time(), 120.0);
        p.reset();
        assert_eq!(p.sim_time(), 0.0);
    }
}
