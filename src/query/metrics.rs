//! The statistics behind every metric, each defined once and unit-tested against values
//! computed by hand. Formulas are in the README next to the metric names.

/// z for a two-sided 95% interval, as DESIGN.md and the README define it (1.96, the value
/// papers quote; the exact normal quantile 1.959964 moves the fifth decimal).
pub const Z95: f64 = 1.96;

/// A proportion with its Wilson 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// successes / n
    pub p: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
    /// Successes.
    pub k: u64,
    /// Trials.
    pub n: u64,
}

/// Wilson score interval: centre (p + z²/2n) / (1 + z²/n), half-width
/// z·sqrt(p(1−p)/n + z²/4n²) / (1 + z²/n). None when n = 0.
pub fn wilson(k: u64, n: u64) -> Option<Rate> {
    if n == 0 {
        return None;
    }
    let (kf, nf, z2) = (k as f64, n as f64, Z95 * Z95);
    let p = kf / nf;
    let denom = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denom;
    let half = Z95 * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom;
    Some(Rate {
        p,
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
        k,
        n,
    })
}

/// The q-quantile (0..=1) of sorted values by linear interpolation between closest ranks
/// (the "type 7" definition of R, NumPy's default and DuckDB's quantile_cont).
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Mean of values.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// A Kaplan-Meier survival curve of time to first response.
#[derive(Debug, Clone, PartialEq)]
pub struct Survival {
    /// (time, S(time)) at each event time, S = share still unanswered after `time`.
    pub steps: Vec<(f64, f64)>,
    /// Observations: answered (events) plus unanswered (censored).
    pub n: u64,
    /// Answered.
    pub events: u64,
}

/// Kaplan-Meier estimate from answered delays (events) and unanswered observation times
/// (censored). At each distinct event time t: S(t) = S(t−) · (1 − d/r), with d events at t
/// and r observations still at risk (time ≥ t; a censoring at t counts as at risk at t).
pub fn kaplan_meier(events: &[f64], censored: &[f64]) -> Survival {
    let mut obs: Vec<(f64, bool)> = events
        .iter()
        .map(|&t| (t, true))
        .chain(censored.iter().map(|&t| (t, false)))
        .collect();
    obs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut at_risk = obs.len() as f64;
    let mut s = 1.0;
    let mut steps = Vec::new();
    let mut i = 0;
    while i < obs.len() {
        let t = obs[i].0;
        let (mut d, mut c) = (0.0, 0.0);
        while i < obs.len() && obs[i].0 == t {
            if obs[i].1 {
                d += 1.0;
            } else {
                c += 1.0;
            }
            i += 1;
        }
        if d > 0.0 {
            s *= 1.0 - d / at_risk;
            steps.push((t, s));
        }
        at_risk -= d + c;
    }
    Survival {
        steps,
        n: obs.len() as u64,
        events: events.len() as u64,
    }
}

impl Survival {
    /// S(t): share still unanswered after t.
    pub fn survival_at(&self, t: f64) -> f64 {
        self.steps
            .iter()
            .take_while(|(x, _)| *x <= t)
            .last()
            .map_or(1.0, |&(_, s)| s)
    }

    /// Share answered within t: 1 − S(t).
    pub fn answered_within(&self, t: f64) -> f64 {
        1.0 - self.survival_at(t)
    }

    /// Median time to first response: the first time S falls to 0.5 or below; None when it
    /// never does (more than half never answered within the observation window).
    pub fn median(&self) -> Option<f64> {
        self.steps.iter().find(|(_, s)| *s <= 0.5).map(|&(t, _)| t)
    }
}

/// Seconds in a duration written like "30s", "15m", "1h", "24h", "7d", "2w".
pub fn parse_duration(s: &str) -> Option<f64> {
    let s = s.trim();
    let split = s.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = s.split_at(split);
    let n: f64 = n.trim().parse().ok()?;
    let per = match unit {
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        "w" => 604_800.0,
        _ => return None,
    };
    (n >= 0.0).then_some(n * per)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-4
    }

    #[test]
    fn wilson_matches_hand_computation() {
        // 8 of 10: centre (0.8 + 1.9208/10)/(1.38415) = 0.71673; half 0.21804 -> [0.4902, 0.9433]
        let r = wilson(8, 10).unwrap();
        assert!(close(r.low, 0.490_16) && close(r.high, 0.943_32), "{r:?}");
        let r = wilson(0, 5).unwrap();
        assert!(close(r.low, 0.0) && close(r.high, 0.434_48), "{r:?}");
        assert_eq!(wilson(0, 0), None);
    }

    #[test]
    fn quantiles_interpolate_like_r_type_7() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.5), Some(2.5));
        assert!(close(quantile(&v, 0.9).unwrap(), 3.7));
        assert_eq!(quantile(&[5.0], 0.9), Some(5.0));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn kaplan_meier_with_censoring() {
        // Events at 1, 2, 2, 5; censored at 3 and 10. At risk 6 -> S(1) = 5/6; at 2: 5 at risk,
        // 2 events -> 5/6 * 3/5 = 0.5; censored at 3 leaves 2; at 5: 1 - 1/2 -> 0.25.
        let km = kaplan_meier(&[1.0, 2.0, 2.0, 5.0], &[3.0, 10.0]);
        assert_eq!(km.steps.len(), 3);
        assert!(close(km.survival_at(1.5), 5.0 / 6.0));
        assert!(close(km.survival_at(2.0), 0.5));
        assert!(close(km.survival_at(7.0), 0.25));
        assert_eq!(km.median(), Some(2.0));
        assert!(close(km.answered_within(4.0), 0.5));
        // Censoring at the same time as an event counts as still at risk at that time.
        let km = kaplan_meier(&[3.0], &[3.0]);
        assert!(close(km.survival_at(3.0), 0.5));
        // Nobody answered: no median.
        assert_eq!(kaplan_meier(&[], &[4.0, 5.0]).median(), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h"), Some(3600.0));
        assert_eq!(parse_duration("24h"), Some(86_400.0));
        assert_eq!(parse_duration("15m"), Some(900.0));
        assert_eq!(parse_duration("2 d"), Some(172_800.0));
        assert_eq!(parse_duration("soon"), None);
    }
}
