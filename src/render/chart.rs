//! The "Data Drill" chart: one series from a CSV the editor drops into
//! `content/data/`, drawn as a PNG with plotters.
//!
//! The PNG carries no text (no font is needed, and text in images is lost to
//! screen readers and blocked-image clients); the series name, the range and
//! the extremes go into the caption and alt text beside it instead.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use crate::problem::Problem;

/// One series: a label and a value per row.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    pub source: PathBuf,
    /// The value column's header, e.g. "Brent ($/bbl)".
    pub series: String,
    pub labels: Vec<String>,
    pub values: Vec<f64>,
}

/// Pixel size of the PNG: twice the 536 px it is shown at, for sharp
/// rendering on high-density screens.
pub const WIDTH: u32 = 1072;
pub const HEIGHT: u32 = 480;

/// Every CSV in `dir`, sorted by file name (none when the folder is missing).
pub fn csv_files(dir: &Path) -> Vec<PathBuf> {
    let mut csvs: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")))
            .collect(),
        Err(_) => Vec::new(),
    };
    csvs.sort();
    csvs
}

/// Reads `label,value` rows under a header row; the value header names the
/// series. Needs at least two good rows to draw anything.
pub fn load_csv(path: &Path, problems: &mut Vec<Problem>) -> Option<ChartData> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_csv(path, &text, problems),
        Err(e) => {
            problems.push(Problem::skipped(path, None, format!("cannot read: {e}")));
            None
        }
    }
}

/// [`load_csv`] on text already read (or kept in the ledger); `path` names
/// it in problems.
pub fn parse_csv(path: &Path, text: &str, problems: &mut Vec<Problem>) -> Option<ChartData> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let series = match reader.headers() {
        Ok(h) if h.len() >= 2 => h[1].trim().to_string(),
        _ => {
            problems.push(Problem::skipped(
                path,
                Some(1),
                "the first row must be a header: label,value (e.g. date,Brent ($/bbl))",
            ));
            return None;
        }
    };
    let mut labels = Vec::new();
    let mut values = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(Problem::skipped(path, Some(line), e.to_string()));
                continue;
            }
        };
        let label = record.get(0).unwrap_or("").trim();
        let raw = record.get(1).unwrap_or("").trim();
        match raw.replace(',', "").parse::<f64>() {
            Ok(v) if v.is_finite() && !label.is_empty() => {
                labels.push(label.to_string());
                values.push(v);
            }
            _ => problems.push(Problem::skipped(
                path,
                Some(line),
                format!("row needs a label and a number, found {raw:?}"),
            )),
        }
    }
    if values.len() < 2 {
        problems.push(Problem::warning(
            path,
            None,
            "fewer than two data rows; no chart drawn",
        ));
        return None;
    }
    Some(ChartData {
        source: path.to_path_buf(),
        series,
        labels,
        values,
    })
}

impl ChartData {
    /// SHA-256 (hex) of the series name, labels and values: the same chart
    /// has the same digest whatever the file is called or however it is
    /// laid out (line endings, quoting, a re-save from a spreadsheet).
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        hash.update(self.series.as_bytes());
        for (label, value) in self.labels.iter().zip(&self.values) {
            hash.update([0u8]);
            hash.update(label.as_bytes());
            hash.update([1u8]);
            hash.update(value.to_bits().to_be_bytes());
        }
        hex::encode(hash.finalize())
    }

    fn min_max(&self) -> (f64, f64) {
        let min = self.values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = self
            .values
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        (min, max)
    }

    /// "Brent ($/bbl), 17 Nov to 24 Nov: from 72.1 to 68.4 (low 67.9, high 73)".
    pub fn caption(&self) -> String {
        let (min, max) = self.min_max();
        let first = self.values[0];
        let last = self.values[self.values.len() - 1];
        format!(
            "{}, {} to {}: from {} to {} (low {}, high {})",
            self.series,
            self.labels[0],
            self.labels[self.labels.len() - 1],
            number(first),
            number(last),
            number(min),
            number(max)
        )
    }

    /// Alt text: what the picture shows, in words.
    pub fn alt(&self) -> String {
        let kind = if self.bars() { "Bar" } else { "Line" };
        format!("{kind} chart of {}", self.caption())
    }

    /// Bars for a few values that vary a lot against zero; otherwise a line
    /// on a zoomed axis (bars cut off above zero would mislead).
    fn bars(&self) -> bool {
        let (min, max) = self.min_max();
        self.values.len() <= 12 && min >= 0.0 && min < 0.5 * max
    }

    /// Draws the chart as a PNG.
    pub fn to_png(&self) -> Result<Vec<u8>, String> {
        let (w, h) = (WIDTH, HEIGHT);
        let mut rgb = vec![0u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
            let paper = RGBColor(0xff, 0xf1, 0xe5);
            let ink = RGBColor(0x33, 0x30, 0x2e);
            let teal = RGBColor(0x0d, 0x76, 0x80);
            let grid = RGBColor(0xe6, 0xd9, 0xce);
            root.fill(&paper).map_err(|e| e.to_string())?;
            let (min, max) = self.min_max();
            let low = if min >= 0.0 && self.bars() { 0.0 } else { min };
            let pad = ((max - low).abs() * 0.08).max(f64::EPSILON);
            let y0 = if low == 0.0 { 0.0 } else { low - pad };
            let y1 = max + pad;
            let n = self.values.len();
            let mut chart = ChartBuilder::on(&root)
                .margin(24)
                .build_cartesian_2d(0f64..n as f64, y0..y1)
                .map_err(|e| e.to_string())?;
            for i in 0..=4 {
                let y = y0 + (y1 - y0) * f64::from(i) / 4.0;
                chart
                    .draw_series(LineSeries::new(
                        vec![(0.0, y), (n as f64, y)],
                        grid.stroke_width(2),
                    ))
                    .map_err(|e| e.to_string())?;
            }
            if self.bars() {
                chart
                    .draw_series(self.values.iter().enumerate().map(|(i, v)| {
                        let x = i as f64;
                        Rectangle::new(
                            [(x + 0.15, y0.max(0.0).min(*v)), (x + 0.85, *v)],
                            teal.filled(),
                        )
                    }))
                    .map_err(|e| e.to_string())?;
            } else {
                chart
                    .draw_series(LineSeries::new(
                        self.values
                            .iter()
                            .enumerate()
                            .map(|(i, v)| (i as f64 + 0.5, *v)),
                        teal.stroke_width(6),
                    ))
                    .map_err(|e| e.to_string())?;
            }
            chart
                .draw_series(LineSeries::new(
                    vec![(0.0, y0), (n as f64, y0)],
                    ink.stroke_width(3),
                ))
                .map_err(|e| e.to_string())?;
            root.present().map_err(|e| e.to_string())?;
        }
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, w, h);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            encoder.set_compression(png::Compression::High);
            let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
            writer.write_image_data(&rgb).map_err(|e| e.to_string())?;
        }
        Ok(out)
    }
}

/// A number as an editor would write it: no trailing zeros.
fn number(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_reports_bad_ones_and_draws_a_png() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("2026-11-24-brent.csv");
        std::fs::write(
            &path,
            "date,Brent ($/bbl)\n17 Nov,72.10\n18 Nov,oops\n19 Nov,70.5\n24 Nov,68.40\n",
        )
        .unwrap();
        let mut problems = Vec::new();
        assert_eq!(csv_files(dir.path()), vec![path.clone()]);
        let data = load_csv(&path, &mut problems).unwrap();
        assert_eq!(data.values, vec![72.1, 70.5, 68.4]);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, Some(3));
        assert_eq!(
            data.caption(),
            "Brent ($/bbl), 17 Nov to 24 Nov: from 72.1 to 68.4 (low 68.4, high 72.1)"
        );
        let png = data.to_png().unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (WIDTH, HEIGHT));
        // Deterministic bytes for the same data.
        assert_eq!(png, data.to_png().unwrap());
    }

    #[test]
    fn the_digest_follows_the_data_not_the_file() {
        let mut problems = Vec::new();
        let a = parse_csv(
            Path::new("a.csv"),
            "date,Brent\n1 Nov,70.5\n2 Nov,71\n",
            &mut problems,
        )
        .unwrap();
        let b = parse_csv(
            Path::new("b.csv"),
            "date,Brent\r\n\"1 Nov\",70.50\r\n2 Nov, 71.0\r\n",
            &mut problems,
        )
        .unwrap();
        let c = parse_csv(
            Path::new("c.csv"),
            "date,Brent\n1 Nov,70.5\n2 Nov,71.1\n",
            &mut problems,
        )
        .unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(a.digest(), b.digest());
        assert_ne!(a.digest(), c.digest());
        assert_eq!(a.digest().len(), 64);
    }
}
