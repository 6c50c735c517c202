//! Cost of cleaning as pages grow from 1 KB to 5 MB. Throughput is reported
//! in bytes, so linear cost shows as a flat MiB/s across sizes; a quadratic
//! corner would show as throughput falling with size.
//!
//! Run: cargo bench --bench clean

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use newsletter::clean;

const SIZES: &[(usize, &str)] = &[
    (1 << 10, "1KB"),
    (10 << 10, "10KB"),
    (100 << 10, "100KB"),
    (1 << 20, "1MB"),
    (5 << 20, "5MB"),
];

/// A paragraph of made-up energy-market prose; `n` varies it so that pages
/// are not one string repeated.
fn paragraph(n: usize) -> String {
    format!(
        "Wholesale gas for delivery in month {} rose {}.{} per cent on Tuesday as traders weighed \
         lower Norwegian flows against storage that is {} per cent full, the highest for the time \
         of year since records began, analysts at a Geneva broker said in a note to clients.",
        n % 12 + 1,
        n % 9,
        n % 7,
        80 + n % 17
    )
}

/// A saved news page of about `size` bytes: navigation, an article of
/// paragraphs with a few junk lines, related links and a footer.
fn page(size: usize) -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html><head><title>Gas rises | Power Desk</title>\
         <meta property=\"og:site_name\" content=\"Power Desk\"></head><body>\
         <nav><a href=\"/\">Home</a> <a href=\"/gas\">Gas</a> <a href=\"/oil\">Oil</a></nav>\
         <main><article><h1>Gas rises</h1>",
    );
    let mut n = 0;
    while html.len() < size.saturating_sub(400) {
        html.push_str("<p>");
        html.push_str(&paragraph(n));
        html.push_str("</p>");
        if n % 10 == 5 {
            html.push_str("<div class=\"ad\">Advertisement</div><p>Share this article</p>");
        }
        n += 1;
    }
    html.push_str(
        "</article></main><aside><h3>Related</h3><ul><li><a href=\"/a\">Oil slips</a></li></ul>\
         </aside><footer>© Power Desk</footer></body></html>",
    );
    html
}

/// Scraped text of about `size` bytes, one paragraph a line, with junk lines.
fn scraped(size: usize) -> String {
    let mut text = String::from("Gas rises on storage worries\n[ad_1]\n");
    let mut n = 0;
    while text.len() < size {
        text.push_str(&paragraph(n));
        text.push('\n');
        if n % 10 == 5 {
            text.push_str("Click here to read more\n");
        }
        n += 1;
    }
    text.push_str("Additional reporting by Ana Ruiz\nSource link");
    text
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("clean_html");
    group.sample_size(10);
    for &(size, label) in SIZES {
        let input = page(size);
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(label), &input, |b, html| {
            b.iter(|| clean::html::clean(black_box(html), Path::new("page.html")))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("clean_text");
    group.sample_size(10);
    for &(size, label) in SIZES {
        let input = scraped(size);
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(label), &input, |b, text| {
            b.iter(|| clean::text::clean(black_box(text), Path::new("page.txt")))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
