//! A regularised logistic regression with non-negative weights (accelerated projected gradient):
//! the weights stay readable as signal weights, and a score built from them keeps contributions
//! that add up.

/// Ridge penalty on the standardised weights: mild, it only steadies correlated signals.
const LAMBDA: f64 = 1e-5;
const ITERATIONS: usize = 20_000;
const TOLERANCE: f64 = 1e-10;

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Column means and standard deviations (1 where a column is constant).
fn moments(rows: &[Vec<f64>], d: usize) -> (Vec<f64>, Vec<f64>) {
    let n = rows.len().max(1) as f64;
    let mean: Vec<f64> = (0..d)
        .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / n)
        .collect();
    let sd = (0..d)
        .map(|j| {
            let v = rows.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / n;
            if v > 0.0 { v.sqrt() } else { 1.0 }
        })
        .collect();
    (mean, sd)
}

/// The loss gradient at (w, b) over standardised rows.
fn gradient(x: &[Vec<f64>], y: &[bool], w: &[f64], b: f64) -> (Vec<f64>, f64) {
    let n = x.len() as f64;
    let mut gw = vec![0.0; w.len()];
    let mut gb = 0.0;
    for (row, label) in x.iter().zip(y) {
        let z = b + row.iter().zip(w).map(|(a, c)| a * c).sum::<f64>();
        let r = sigmoid(z) - if *label { 1.0 } else { 0.0 };
        for (g, a) in gw.iter_mut().zip(row) {
            *g += r * a / n;
        }
        gb += r / n;
    }
    for (g, c) in gw.iter_mut().zip(w) {
        *g += LAMBDA * c;
    }
    (gw, gb)
}

/// Non-negative weights, one per column of `rows`, on the columns' own scale (only their ratios
/// matter for ranking). Deterministic: it starts from zero and follows the gradient.
pub fn fit_non_negative(rows: &[Vec<f64>], labels: &[bool]) -> Vec<f64> {
    let d = rows.first().map_or(0, Vec::len);
    let (mean, sd) = moments(rows, d);
    let x: Vec<Vec<f64>> = rows
        .iter()
        .map(|r| (0..d).map(|j| (r[j] - mean[j]) / sd[j]).collect())
        .collect();
    // Lipschitz bound of the gradient: a quarter of the trace of the (standardised) Gram matrix
    // plus the intercept, plus the penalty.
    let step = 1.0 / (0.25 * (d as f64 + 1.0) + LAMBDA);
    let (mut w, mut b) = (vec![0.0; d], 0.0);
    let (mut v, mut vb, mut t) = (w.clone(), b, 1.0f64);
    for _ in 0..ITERATIONS {
        let (gw, gb) = gradient(&x, labels, &v, vb);
        let next: Vec<f64> = v
            .iter()
            .zip(&gw)
            .map(|(a, g)| (a - step * g).max(0.0))
            .collect();
        let next_b = vb - step * gb;
        let t_next = (1.0 + (1.0 + 4.0 * t * t).sqrt()) / 2.0;
        let momentum = (t - 1.0) / t_next;
        let moved: f64 = next
            .iter()
            .zip(&w)
            .map(|(a, c)| (a - c).powi(2))
            .sum::<f64>()
            + (next_b - b).powi(2);
        v = next
            .iter()
            .zip(&w)
            .map(|(a, c)| a + momentum * (a - c))
            .collect();
        vb = next_b + momentum * (next_b - b);
        w = next;
        b = next_b;
        t = t_next;
        if moved < TOLERANCE {
            break;
        }
    }
    w.iter().zip(&sd).map(|(c, s)| c / s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_informative_column_gets_the_weight_and_a_misleading_one_gets_none() {
        // Column 0 decides the label, column 1 is noise, column 2 points the wrong way.
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for i in 0..200 {
            let a = (i % 20) as f64 / 20.0;
            let noise = ((i * 7919) % 13) as f64 / 13.0;
            rows.push(vec![a, noise, 1.0 - a]);
            labels.push(a >= 0.8);
        }
        let w = fit_non_negative(&rows, &labels);
        assert!(w[0] > 0.0, "{w:?}");
        assert_eq!(w[2], 0.0, "{w:?}");
        assert!(w[1] < 0.2 * w[0], "{w:?}");
        assert_eq!(w, fit_non_negative(&rows, &labels), "not deterministic");
    }
}
