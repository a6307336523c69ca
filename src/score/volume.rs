//! How much of a signal counted from the events is only volume, decided from the data alone (no
//! labels). Volume is uses per active day, as for personas. Someone who uses the software more
//! touches more distinct features, and more of them by shortcut, whatever they know: feature depth
//! and shortcut use are counted from the same events as volume, so volume can inflate them. Where
//! an export logs features loosely, depth becomes a count of activity. Each of the two keeps the
//! share of its ranking of people that volume does not explain. Help, training and feedback come
//! from their own tables, and consistency counts days, not uses: where they go with volume, that
//! is experts being busy too, not busyness measured twice, so they keep their weight.

use super::evidence::SignalWeight;
use super::params::ScoreParams;
use crate::features::Signal;

/// A discount that leaves less than this share of the configured weight is noted in the run
/// summary (every discount is in the manifest).
const NOTED: f64 = 0.9;

/// Ranks from 1, ties sharing their mean rank; ordered by value, then position, so the result
/// depends on nothing but the values.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        let mean = (start + end + 1) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = mean;
        }
        start = end;
    }
    ranks
}

/// Pearson correlation; 0 when either side has no spread.
fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    if saa > 0.0 && sbb > 0.0 {
        sab / (saa * sbb).sqrt()
    } else {
        0.0
    }
}

/// Spearman rank correlation of `signal` with `volume` (the same people in both).
pub fn volume_correlation(signal: &[f64], volume: &[f64]) -> f64 {
    if signal.len() < 2 {
        return 0.0;
    }
    correlation(&ranks(signal), &ranks(volume))
}

/// The share of a signal's ranking that volume does not explain: 1 - rho^2, where rho is its
/// rank correlation with volume (a signal that falls with volume is not busyness: 1).
pub fn beyond_volume(rho: f64) -> f64 {
    1.0 - rho.max(0.0).powi(2)
}

/// Whether volume can inflate the signal: it is counted from the same events.
pub fn counted_from_uses(signal: Signal) -> bool {
    matches!(signal, Signal::Depth | Signal::Shortcuts)
}

/// The weight each signal is scored with, by signal (0 where not used): its configured weight,
/// times the share of its ranking beyond volume for a signal [`counted_from_uses`], where
/// `params.weights.discount_volume`.
/// `columns` are the values of the `used` signals, in that order, over the people scored, and
/// `volume` their uses per active day. The correlation and any change of weight go into `records`.
pub fn weigh(
    used: &[Signal],
    columns: &[Vec<f64>],
    volume: &[f64],
    params: &ScoreParams,
    records: &mut [SignalWeight],
) -> [f64; 6] {
    let mut weights = [0.0; 6];
    for s in used {
        weights[*s as usize] = params.weights.get(*s);
    }
    // Only the ratios of weights matter: one signal alone keeps its weight whatever it is.
    if !params.weights.discount_volume || used.len() < 2 {
        return weights;
    }
    // None: a signal volume cannot inflate.
    let rhos: Vec<Option<f64>> = used
        .iter()
        .zip(columns)
        .map(|(s, c)| counted_from_uses(*s).then(|| volume_correlation(c, volume)))
        .collect();
    let mut discounted = weights;
    for (s, rho) in used.iter().zip(&rhos) {
        discounted[*s as usize] *= rho.map_or(1.0, beyond_volume);
    }
    if discounted.iter().sum::<f64>() <= 0.0 {
        // Every signal is volume alone: nothing else is left to tell people apart by.
        return weights;
    }
    for (s, rho) in used.iter().zip(rhos) {
        let (Some(rho), Some(record)) = (rho, records.iter_mut().find(|r| r.signal == s.name()))
        else {
            continue;
        };
        note_discount(record, weights[*s as usize], discounted[*s as usize], rho);
    }
    discounted
}

/// Records a signal's correlation with volume and the weight it kept, with a note in the run
/// summary when it kept less than [`NOTED`] of it.
fn note_discount(record: &mut SignalWeight, configured: f64, weight: f64, rho: f64) {
    record.used = weight;
    record.volume_correlation = Some(rho);
    if weight < NOTED * configured {
        let change = format!(
            "weight {configured:.2} x {:.2} for volume (rank correlation {rho:.2} with uses per active day)",
            beyond_volume(rho)
        );
        record.note = Some(match record.note.take() {
            Some(note) => format!("{note}; {change}"),
            None => change,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_that_only_counts_activity_loses_its_weight_and_one_beside_volume_keeps_it() {
        let volume: Vec<f64> = (0..200).map(|i| f64::from((i * 37) % 200)).collect();
        let busy: Vec<f64> = volume.iter().map(|v| v.sqrt()).collect();
        let unrelated: Vec<f64> = (0..200).map(|i| f64::from((i * 91) % 199)).collect();
        let rho_busy = volume_correlation(&busy, &volume);
        assert!((rho_busy - 1.0).abs() < 1e-12, "{rho_busy}");
        assert!(beyond_volume(rho_busy) < 1e-9);
        let rho = volume_correlation(&unrelated, &volume);
        assert!(rho.abs() < 0.2, "{rho}");
        assert!(beyond_volume(rho) > 0.96);
        // Falling with volume is not busyness.
        let shy: Vec<f64> = volume.iter().map(|v| -v).collect();
        assert_eq!(beyond_volume(volume_correlation(&shy, &volume)), 1.0);
    }

    /// The weights `weigh` gives, and the records it leaves, starting from the configured ones.
    fn weighed(
        used: &[Signal],
        columns: &[Vec<f64>],
        volume: &[f64],
        params: &ScoreParams,
    ) -> ([f64; 6], Vec<SignalWeight>) {
        let mut records: Vec<SignalWeight> = used
            .iter()
            .map(|s| SignalWeight {
                signal: s.name().to_string(),
                configured: params.weights.get(*s),
                used: params.weights.get(*s),
                note: None,
                volume_correlation: None,
            })
            .collect();
        let weights = weigh(used, columns, volume, params, &mut records);
        (weights, records)
    }

    #[test]
    fn counted_signals_are_discounted_recorded_and_kept_when_asked_or_when_all_is_volume() {
        let volume: Vec<f64> = (0..100).map(f64::from).collect();
        let unrelated: Vec<f64> = (0..100).map(|i| f64::from((i * 37) % 100)).collect();
        let (depth, training) = (Signal::Depth as usize, Signal::Training as usize);
        let used = [Signal::Depth, Signal::Training];
        let mut params = ScoreParams::default();
        let columns = [volume.clone(), unrelated.clone()];
        let (w, r) = weighed(&used, &columns, &volume, &params);
        assert_eq!((w[depth], w[training]), (0.0, 0.10));
        assert_eq!((r[0].used, r[0].volume_correlation), (0.0, Some(1.0)));
        let note = r[0].note.as_deref().unwrap();
        assert!(note.contains("x 0.00 for volume"), "{note}");
        assert!(
            r[1].note.is_none() && r[1].volume_correlation.is_none(),
            "{r:?}"
        );
        // Training comes from its own table: going with volume is experts being busy too.
        let swapped = [unrelated.clone(), volume.clone()];
        let (w, _) = weighed(&used, &swapped, &volume, &params);
        assert_eq!(w[training], 0.10);
        assert!(w[depth] > 0.29, "{w:?}");
        // One signal alone: only ratios matter, so it keeps its weight and nothing is noted.
        let (w, r) = weighed(
            &[Signal::Depth],
            std::slice::from_ref(&volume),
            &volume,
            &params,
        );
        assert_eq!(w[depth], 0.30);
        assert!(
            r[0].note.is_none() && r[0].volume_correlation.is_none(),
            "{r:?}"
        );
        // Every signal volume alone: the configured weights stand.
        let counted = [Signal::Depth, Signal::Shortcuts];
        let both = [volume.clone(), volume.clone()];
        assert_eq!(weighed(&counted, &both, &volume, &params).0[depth], 0.30);
        // Switched off (as calibrated weights are): as configured, nothing recorded.
        params.weights.discount_volume = false;
        let (w, r) = weighed(&used, &columns, &volume, &params);
        assert_eq!(w[depth], 0.30);
        assert_eq!(r[0].volume_correlation, None);
    }

    #[test]
    fn ties_share_their_mean_rank() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }
}
