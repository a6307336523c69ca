//! Inline SVG charts for the report, drawn with plotters' SVG backend (no fonts or files needed).

use plotters::prelude::*;

const BLUE: RGBColor = RGBColor(0x2b, 0x6c, 0xb0);
const PALETTE: [RGBColor; 8] = [
    RGBColor(0x2b, 0x6c, 0xb0),
    RGBColor(0xdd, 0x6b, 0x20),
    RGBColor(0x38, 0xa1, 0x69),
    RGBColor(0x80, 0x5a, 0xd5),
    RGBColor(0xd5, 0x3f, 0x8c),
    RGBColor(0x31, 0x97, 0x95),
    RGBColor(0xb7, 0x79, 0x1f),
    RGBColor(0x71, 0x80, 0x96),
];

/// The colour of series `i` (also used by the HTML legend).
pub fn colour(i: usize) -> String {
    let c = PALETTE[i % PALETTE.len()];
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// Font sizes below are plotters' sizes: the SVG gets `font-size` = size / 1.24 px, so 14 is the
/// least that prints at 11 px or more.
fn finish(svg: String) -> String {
    // plotters writes a standalone document; inline it with a role for screen readers.
    svg.replacen("<svg ", "<svg role=\"img\" ", 1)
}

/// The most bars in one chart: 26 rows of 30 px and the caption fit an A4 page (273 mm of
/// printable height at 12 mm margins is 1,032 px); more go on into a second chart.
const MAX_BARS: usize = 26;

/// How many ticks to ask for on an axis from 0 to `upper` whose labels are whole numbers: at
/// most one per whole number, so that plotters' step is at least 1 and no two ticks print alike
/// (ticks at 0.5 steps printed "0 0 1 2 2" on a chart of at most two).
fn whole_ticks(upper: f64) -> usize {
    (upper.floor() as usize + 1).clamp(2, 10)
}

/// Horizontal bars, one per label (top to bottom), values from 0 to `max`: each bar centred on
/// its label with a gap between bars, and its value written at its end. Past `MAX_BARS`, the
/// bars go on in further charts titled "(continued)", so that no chart is taller than a page.
pub fn bars(title: &str, labels: &[String], values: &[f64], max: f64, unit: &str) -> String {
    if labels.len() <= MAX_BARS {
        return bars_chart(title, labels, values, max, unit);
    }
    labels
        .chunks(MAX_BARS)
        .zip(values.chunks(MAX_BARS))
        .enumerate()
        .map(|(i, (l, v))| {
            let title = if i == 0 {
                title.to_string()
            } else {
                format!("{title} (continued)")
            };
            bars_chart(&title, l, v, max, unit)
        })
        .collect()
}

fn bars_chart(title: &str, labels: &[String], values: &[f64], max: f64, unit: &str) -> String {
    let height = 56 + 30 * labels.len().max(1) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, height)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let n = labels.len().max(1);
        let max = if max > 0.0 { max } else { 1.0 };
        let upper = max * 1.12;
        let chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(8)
            .x_label_area_size(26)
            .y_label_area_size(190)
            .build_cartesian_2d(0f64..upper, (0..n - 1).into_segmented());
        let Ok(mut chart) = chart else {
            return String::new();
        };
        // Row `y` from the bottom holds label `n - 1 - y` (a discrete range includes its end).
        let label_of = |y: &SegmentValue<usize>| match y {
            SegmentValue::CenterOf(y) => (n - 1)
                .checked_sub(*y)
                .and_then(|i| labels.get(i))
                .cloned()
                .unwrap_or_default(),
            _ => String::new(),
        };
        let _ = chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&label_of)
            .x_labels(whole_ticks(upper))
            .x_label_formatter(&|x| format!("{x:.0}{unit}"))
            .label_style(("sans-serif", 15))
            .draw();
        let row = |i: usize| n.saturating_sub(1 + i);
        let _ = chart.draw_series(values.iter().enumerate().map(|(i, v)| {
            let (y0, y1) = (SegmentValue::Exact(row(i)), SegmentValue::Exact(row(i) + 1));
            let mut bar = Rectangle::new([(0.0, y0), (v.max(0.0), y1)], BLUE.mix(0.85).filled());
            bar.set_margin(4, 4, 0, 0);
            bar
        }));
        let _ = chart.draw_series(
            values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite())
                .map(|(i, v)| {
                    let text = format!("{v:.0}{unit}");
                    Text::new(
                        text,
                        (v.max(0.0), SegmentValue::CenterOf(row(i))),
                        ("sans-serif", 15),
                    )
                }),
        );
        let _ = root.present();
    }
    finish(svg)
}

/// Stacked columns, one per x label (left to right), each stacking `series` (shares 0..1) from
/// the bottom in series order.
pub fn stacked_columns(title: &str, x_labels: &[String], series: &[(String, Vec<f64>)]) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (660, 300)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let n = x_labels.len().max(1);
        let chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(48)
            .build_cartesian_2d((0..n - 1).into_segmented(), 0f64..1f64);
        let Ok(mut chart) = chart else {
            return String::new();
        };
        let label_of = |x: &SegmentValue<usize>| match x {
            SegmentValue::CenterOf(i) => x_labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        let _ = chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&label_of)
            .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
            .label_style(("sans-serif", 15))
            .draw();
        let mut bottom = vec![0.0; n];
        for (s, (_, values)) in series.iter().enumerate() {
            let color = PALETTE[s % PALETTE.len()];
            let bars: Vec<Rectangle<(SegmentValue<usize>, f64)>> = (0..n)
                .map(|i| {
                    let v = values
                        .get(i)
                        .copied()
                        .filter(|v| v.is_finite())
                        .unwrap_or(0.0);
                    let (y0, y1) = (bottom[i], (bottom[i] + v).min(1.0));
                    bottom[i] = y1;
                    let mut bar = Rectangle::new(
                        [
                            (SegmentValue::Exact(i), y0),
                            (SegmentValue::Exact(i + 1), y1),
                        ],
                        color.filled(),
                    );
                    bar.set_margin(0, 0, 3, 3);
                    bar
                })
                .collect();
            let _ = chart.draw_series(bars);
        }
        let _ = root.present();
    }
    finish(svg)
}

/// Stacked horizontal bars, one per label (top to bottom), each stacking `series` (shares 0..1)
/// from the left in series order; past `MAX_BARS` labels they go on in further charts.
pub fn stacked_rows(title: &str, labels: &[String], series: &[(String, Vec<f64>)]) -> String {
    let mut out = String::new();
    for (chunk, rows) in labels.chunks(MAX_BARS.max(1)).enumerate() {
        let from = chunk * MAX_BARS;
        let part: Vec<(String, Vec<f64>)> = series
            .iter()
            .map(|(name, v)| (name.clone(), v[from..from + rows.len()].to_vec()))
            .collect();
        let title = if chunk == 0 {
            title.to_string()
        } else {
            format!("{title} (continued)")
        };
        out.push_str(&stacked_rows_chart(&title, rows, &part));
    }
    out
}

fn stacked_rows_chart(title: &str, labels: &[String], series: &[(String, Vec<f64>)]) -> String {
    let height = 64 + 30 * labels.len().max(1) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, height)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let n = labels.len().max(1);
        let chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(8)
            .margin_right(20)
            .x_label_area_size(26)
            .y_label_area_size(190)
            .build_cartesian_2d(0f64..1f64, (0..n - 1).into_segmented());
        let Ok(mut chart) = chart else {
            return String::new();
        };
        let label_of = |y: &SegmentValue<usize>| match y {
            SegmentValue::CenterOf(y) => (n - 1)
                .checked_sub(*y)
                .and_then(|i| labels.get(i))
                .cloned()
                .unwrap_or_default(),
            _ => String::new(),
        };
        let _ = chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&label_of)
            .x_label_formatter(&|x| format!("{:.0}%", x * 100.0))
            .label_style(("sans-serif", 15))
            .draw();
        let row = |i: usize| n.saturating_sub(1 + i);
        let mut left = vec![0.0; n];
        for (s, (_, values)) in series.iter().enumerate() {
            let color = PALETTE[s % PALETTE.len()];
            let bars: Vec<Rectangle<(f64, SegmentValue<usize>)>> = (0..labels.len())
                .map(|i| {
                    let v = values
                        .get(i)
                        .copied()
                        .filter(|v| v.is_finite())
                        .unwrap_or(0.0);
                    let (x0, x1) = (left[i], (left[i] + v).min(1.0));
                    left[i] = x1;
                    let (y0, y1) = (SegmentValue::Exact(row(i)), SegmentValue::Exact(row(i) + 1));
                    let mut bar = Rectangle::new([(x0, y0), (x1, y1)], color.filled());
                    bar.set_margin(4, 4, 0, 0);
                    bar
                })
                .collect();
            let _ = chart.draw_series(bars);
        }
        let _ = root.present();
    }
    finish(svg)
}

/// Grouped bars: for each category on the x axis, one bar per series (values 0..1).
pub fn grouped(title: &str, categories: &[String], series: &[(String, Vec<f64>)]) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (680, 300)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let groups = categories.len().max(1);
        let width = series.len().max(1) + 1;
        let chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(40)
            .build_cartesian_2d(0..groups * width, 0f64..1f64);
        let Ok(mut chart) = chart else {
            return String::new();
        };
        let label_of = |x: &usize| {
            if x % width == width / 2 {
                categories.get(x / width).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let _ = chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(groups * width)
            .x_label_formatter(&label_of)
            .y_label_formatter(&|y| format!("{y:.1}"))
            .label_style(("sans-serif", 15))
            .draw();
        for (s, (_, values)) in series.iter().enumerate() {
            let color = PALETTE[s % PALETTE.len()];
            let _ = chart.draw_series(values.iter().enumerate().map(move |(g, v)| {
                let x = g * width + s;
                Rectangle::new([(x, 0.0), (x + 1, v.clamp(0.0, 1.0))], color.filled())
            }));
        }
        let _ = root.present();
    }
    finish(svg)
}

/// One line per series over the x labels (dates), values from 0 to `max`.
pub fn lines(title: &str, x_labels: &[String], series: &[(String, Vec<f64>)], max: f64) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 260)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let n = x_labels.len().max(2);
        let max = if max > 0.0 { max } else { 1.0 };
        let chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(10)
            .margin_right(40)
            .x_label_area_size(28)
            .y_label_area_size(44)
            .build_cartesian_2d(0..n - 1, 0f64..max);
        let Ok(mut chart) = chart else {
            return String::new();
        };
        let label_of = |x: &usize| x_labels.get(*x).cloned().unwrap_or_default();
        let _ = chart
            .configure_mesh()
            .x_labels(n)
            .x_label_formatter(&label_of)
            .label_style(("sans-serif", 15))
            .draw();
        for (s, (_, values)) in series.iter().enumerate() {
            let color = PALETTE[s % PALETTE.len()];
            let points: Vec<(usize, f64)> = values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite())
                .map(|(i, v)| (i, *v))
                .collect();
            let _ = chart.draw_series(LineSeries::new(points.clone(), color.stroke_width(2)));
            let _ = chart.draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, 3, color.filled())),
            );
        }
        let _ = root.present();
    }
    finish(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_with_escaped_labels() {
        let svg = bars(
            "Sizes",
            &["<b>Sales</b>".into(), "R&D".into()],
            &[3.0, 5.0],
            5.0,
            "",
        );
        assert!(
            svg.starts_with("<svg role=\"img\""),
            "{}",
            &svg[..60.min(svg.len())]
        );
        assert!(svg.contains("&lt;b&gt;Sales") && svg.contains("R&amp;D"));
        assert!(!svg.contains("<b>"));
        let svg = grouped(
            "Profiles",
            &["depth".into()],
            &[("a".into(), vec![0.5]), ("b".into(), vec![0.7])],
        );
        assert!(svg.contains("<rect"));
    }

    /// The texts of an SVG, in order.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| {
                Some(
                    t.split_once('>')?
                        .1
                        .split_once("</text>")?
                        .0
                        .trim()
                        .to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn no_two_ticks_of_a_small_count_print_alike() {
        for max in [1.0, 2.0, 3.0, 7.0, 40.0] {
            let svg = bars("People", &["a".into()], &[max], max, "");
            let ticks: Vec<String> = texts(&svg)
                .into_iter()
                .filter(|t| t.parse::<f64>().is_ok())
                .collect();
            // The ticks, then the bar's own value.
            let (value, ticks) = ticks.split_last().expect("a value label");
            assert_eq!(value, &format!("{max:.0}"));
            assert!(ticks.len() >= 2, "max {max}: {ticks:?}");
            let mut unique = ticks.to_vec();
            unique.dedup();
            assert_eq!(&unique, ticks, "max {max}: ticks repeat");
        }
    }
}
