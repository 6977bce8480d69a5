//! Kafka's `ExponentialBackoff(initial, 2, max, jitter)`: the backoff before attempt
//! `attempts + 1` doubles with each failed attempt up to `max`, times a random factor in
//! [1 - jitter, 1 + jitter), and never exceeds `max`. With `max` at or below `initial` every
//! backoff is `max` (Kafka's `expMax == 0`), without jitter. Integer arithmetic: the same
//! draws give the same backoffs natively and in wasm.

use crate::config::Millis;
use rand::RngCore;

/// One backoff; `jitter_percent` is Kafka's jitter times 100 (the producer's 0.2 is 20).
pub fn exponential_backoff(
    initial: Millis,
    max: Millis,
    jitter_percent: u32,
    attempts: u32,
    rng: &mut impl RngCore,
) -> Millis {
    // The constructor takes min(initial, max) as the initial interval.
    let initial = initial.min(max);
    if max <= initial {
        return initial;
    }
    // initial * 2^min(attempts, log2(max / initial)), which is min(initial * 2^attempts, max).
    let term = u128::from(initial)
        .checked_shl(attempts.min(64))
        .unwrap_or(u128::MAX)
        .min(u128::from(max));
    // ((1 - j) + 2j * u / 2^32) * term, rounded down as Kafka's `(long)` cast does.
    let (j, u) = (u128::from(jitter_percent), u128::from(rng.next_u32()));
    let jittered = (term * (100 - j) * (1u128 << 32) + term * 2 * j * u) / (100 * (1u128 << 32));
    (jittered as Millis).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_backoff_doubles_within_its_jitter_up_to_the_max() {
        // A KRaft broker's registration retries: ExponentialBackoff(100, 2, 9000, 0.02).
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
        for (attempts, term) in [(0, 100), (1, 200), (2, 400), (6, 6_400), (7, 9_000)] {
            for _ in 0..200 {
                let b = exponential_backoff(100, 9_000, 2, attempts, &mut rng);
                assert!(
                    b >= term * 98 / 100 && b < term * 102 / 100 + 1 && b <= 9_000,
                    "attempts {attempts}: {b} for {term}"
                );
            }
        }
    }

    #[test]
    fn a_max_at_or_below_the_initial_backoff_gives_the_max_without_jitter() {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
        assert_eq!(exponential_backoff(500, 500, 20, 3, &mut rng), 500);
        assert_eq!(exponential_backoff(500, 100, 20, 0, &mut rng), 100);
    }
}
