//! Robust scaling of a feature against peers: centre on the median, divide by a robust spread,
//! and squash into (0, 1) so that no single feature can dominate however extreme it is.

/// Where a peer group's values sit: median and robust spread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RobustStats {
    pub median: f64,
    pub spread: f64,
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

impl RobustStats {
    /// Median and spread of the finite values. The spread is the interquartile range scaled to a
    /// normal standard deviation; where half the peers share one value (often zero) it falls back
    /// to the mean absolute deviation from the median, and to 1 when everyone is equal.
    pub fn of(values: impl Iterator<Item = f64>) -> RobustStats {
        let mut v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return RobustStats {
                median: 0.0,
                spread: 1.0,
            };
        }
        v.sort_by(f64::total_cmp);
        let median = quantile(&v, 0.5);
        let iqr = quantile(&v, 0.75) - quantile(&v, 0.25);
        let spread = if iqr > 0.0 {
            iqr / 1.349
        } else {
            let mad = v.iter().map(|x| (x - median).abs()).sum::<f64>() / v.len() as f64;
            if mad > 0.0 { mad } else { 1.0 }
        };
        RobustStats { median, spread }
    }

    /// The value's position among peers in (0, 1): 0.5 at the median, about 0.73 one robust
    /// spread above it, about 0.95 three above. Missing values (NaN) are neutral: 0.5.
    pub fn squash(&self, value: f64) -> f64 {
        if !value.is_finite() {
            return 0.5;
        }
        let z = (value - self.median) / self.spread;
        1.0 / (1.0 + (-z).exp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_neutral_and_extremes_saturate() {
        let stats = RobustStats::of([1.0, 2.0, 3.0, 4.0, 100.0].into_iter());
        assert_eq!(stats.median, 3.0);
        assert!((stats.spread - 2.0 / 1.349).abs() < 1e-12);
        assert_eq!(stats.squash(3.0), 0.5);
        assert!(stats.squash(100.0) > 0.999 && stats.squash(100.0) <= 1.0);
        assert!(stats.squash(1.0) < 0.5);
        assert_eq!(stats.squash(f64::NAN), 0.5);
    }

    #[test]
    fn a_mostly_zero_feature_still_separates_the_few_who_have_it() {
        // 8 of 10 people helped nobody: the IQR is 0, the fallback spread is not.
        let stats =
            RobustStats::of([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5.0, 15.0].into_iter());
        assert_eq!(stats.median, 0.0);
        assert!((stats.spread - 2.0).abs() < 1e-12);
        assert!(stats.squash(15.0) > stats.squash(5.0));
        assert!(stats.squash(5.0) > 0.9);
        let flat = RobustStats::of([2.0, 2.0, 2.0].into_iter());
        assert_eq!(flat.spread, 1.0);
    }
}
