//! The sweep's chart: decisions per second and p99 latency against the number of
//! streams, for anescode and the echo, as a PNG (plotters, bitmap backend).

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

/// One sweep point: (server, streams, decisions per second, p99 µs).
pub(crate) type Point = (&'static str, usize, f64, u64);

/// One chart: where, its title, and the value it plots.
type Panel<'a, A> = (&'a A, &'static str, &'a dyn Fn(&Point) -> f64);

fn error(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Draws `points` into `path`, with the TrueType font at `font` for the labels.
pub(crate) fn draw(
    points: &[Point],
    path: &std::path::Path,
    font: &std::path::Path,
) -> Result<(), String> {
    let bytes = std::fs::read(font).map_err(|e| format!("font {}: {e}", font.display()))?;
    // The font lives as long as the process; plotters wants it 'static.
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    register_font("sans-serif", FontStyle::Normal, bytes)
        .map_err(|_| "unusable font".to_owned())?;
    let root = BitMapBackend::new(path, (1200, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(error)?;
    let (left, right) = root.split_horizontally(600);
    let most_streams = points.iter().map(|p| p.1).max().unwrap_or(1).max(2) as f64;
    let series = |server: &str, value: &dyn Fn(&Point) -> f64| -> Vec<(f64, f64)> {
        points
            .iter()
            .filter(|p| p.0 == server)
            .map(|p| ((p.1 as f64).log2(), value(p)))
            .collect()
    };
    let rate = |p: &Point| p.2;
    let p99 = |p: &Point| p.3 as f64 / 1000.0;
    let panels: [Panel<'_, _>; 2] = [
        (&left, "decisions/s", &rate),
        (&right, "p99 latency (ms)", &p99),
    ];
    for (area, title, value) in panels {
        let top = points.iter().map(value).fold(1.0, f64::max) * 1.1;
        let mut chart = ChartBuilder::on(area)
            .caption(format!("{title} by streams"), ("sans-serif", 22))
            .margin(15)
            .x_label_area_size(35)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..most_streams.log2(), 0.0..top)
            .map_err(error)?;
        chart
            .configure_mesh()
            .x_desc("streams (log2)")
            .y_desc(title)
            .x_label_formatter(&|x| format!("{}", 2f64.powf(*x).round()))
            .draw()
            .map_err(error)?;
        for (server, color) in [("anescode", &BLUE), ("echo", &RED)] {
            chart
                .draw_series(LineSeries::new(series(server, value), color))
                .map_err(error)?
                .label(server)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(error)?;
    }
    root.present().map_err(error)
}
