//! The SVG of `eval --plot`: per token group, exact restoration, spam
//! character recall and clean pass-through against the group's threshold,
//! with the model's own threshold marked.

use std::path::Path;

use anyhow::Context;
use plotters::prelude::*;
use spamsplice::eval::{Counts, Sweep};

/// A curve: its legend and colour, and its value at a point.
type Curve = (&'static str, RGBColor, fn(&Counts) -> Option<f64>);

/// The three curves. Their colours are what a reader (and the tests) tell
/// them apart by.
pub const CURVES: [Curve; 3] = [
    (
        "exact restoration",
        RGBColor(31, 119, 180),
        Counts::exact_rate,
    ),
    (
        "spam chars removed",
        RGBColor(44, 160, 44),
        Counts::char_recall,
    ),
    ("clean passed", RGBColor(214, 39, 40), Counts::pass_rate),
];

/// The colour of the chosen threshold's line.
pub const MARK: RGBColor = RGBColor(255, 127, 14);

/// Writes one panel per group of `sweeps`, side by side, to `path`.
pub fn write_svg(path: &Path, sweeps: &[Sweep]) -> anyhow::Result<()> {
    let panels = sweeps.len().max(1) as u32;
    let root = SVGBackend::new(path, (330 * panels, 320)).into_drawing_area();
    draw(&root, sweeps).map_err(|e| anyhow::anyhow!("{e}"))?;
    root.present()
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("writing {}", path.display()))
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    sweeps: &[Sweep],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    // One y range for every panel, from the lowest value (to a tenth) to
    // 1: the curves sit near the top, and a range from 0 flattens them.
    let lowest = sweeps
        .iter()
        .flat_map(|s| &s.points)
        .flat_map(|p| CURVES.map(|(_, _, value)| value(&p.counts)))
        .flatten()
        .fold(1.0f64, f64::min);
    let y0 = ((lowest * 10.0).floor() / 10.0).clamp(0.0, 0.9) as f32;
    let areas = root.split_evenly((1, sweeps.len().max(1)));
    for (i, (area, s)) in areas.iter().zip(sweeps).enumerate() {
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!("{} (chosen {:.2})", s.name, s.chosen),
                ("sans-serif", 14),
            )
            .margin(10)
            .x_label_area_size(32)
            .y_label_area_size(36)
            .build_cartesian_2d(0f32..1f32, y0..1.005f32)?;
        chart
            .configure_mesh()
            .x_desc("threshold of this group (the others at theirs)")
            .x_labels(6)
            .y_labels(6)
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        for (label, color, value) in CURVES {
            let points = s
                .points
                .iter()
                .filter_map(|p| value(&p.counts).map(|v| (p.threshold, v as f32)));
            let series = chart.draw_series(LineSeries::new(points, color.stroke_width(2)))?;
            // The legend once, in the first panel; swatches are squares so
            // the file's lines are the curves and the marks alone.
            if i == 0 {
                series.label(label).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 4), (x + 12, y + 4)], color.filled())
                });
            }
        }
        chart.draw_series(LineSeries::new(
            [(s.chosen, y0), (s.chosen, 1.005)],
            MARK.stroke_width(1),
        ))?;
        if i == 0 {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK.mix(0.3))
                .draw()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use spamsplice::eval::SweepPoint;

    fn sweep(group: usize, chosen: f32) -> Sweep {
        let points = [0.2f32, chosen, 0.8]
            .into_iter()
            .map(|threshold| SweepPoint {
                threshold,
                counts: Counts {
                    docs: 4,
                    injected: 2,
                    exact: 1,
                    clean_docs: 2,
                    passed: 2,
                    gold_chars: 10,
                    removed_gold_chars: 7,
                    ..Counts::default()
                },
            })
            .collect();
        Sweep {
            group,
            name: format!("group {group}"),
            chosen,
            points,
        }
    }

    #[test]
    fn one_polyline_per_curve_and_a_mark_per_group() {
        let dir = std::env::temp_dir().join(format!("spamsplice_plot_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("thresholds.svg");
        write_svg(&path, &[sweep(0, 0.26), sweep(1, 0.44), sweep(2, 0.58)]).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        let lines = |c: RGBColor| {
            let stroke = format!("stroke=\"#{:02X}{:02X}{:02X}\"", c.0, c.1, c.2);
            svg.split("<polyline")
                .skip(1)
                .filter(|l| l.split('>').next().is_some_and(|tag| tag.contains(&stroke)))
                .count()
        };
        for (name, c, _) in CURVES {
            assert_eq!(lines(c), 3, "{name}");
        }
        assert_eq!(lines(MARK), 3);
        // The rest are the axes and their ticks, in black.
        let others = svg.matches("<polyline").count() - 12;
        assert_eq!(others, lines(BLACK), "{svg}");
        assert!(svg.contains("chosen 0.44"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
