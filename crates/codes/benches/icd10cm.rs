//! ICD-10-CM look-ups and searches over the embedded release.

use std::hint::black_box;

use anescode_codes::icd10cm::Icd10Cm;
use criterion::{Criterion, criterion_group, criterion_main};

fn icd10cm(c: &mut Criterion) {
    let set = Icd10Cm::embedded();
    c.bench_function("icd10cm lookup C50.911", |b| {
        b.iter(|| set.lookup(black_box("C50.911")).map(|d| d.billable()))
    });
    c.bench_function("icd10cm lookup and describe S72.001A", |b| {
        b.iter(|| {
            set.lookup(black_box("S72.001A"))
                .map(|d| d.description().len())
        })
    });
    c.bench_function("icd10cm search prefix S72.0", |b| {
        b.iter(|| set.search(black_box("S72.0")).map(|found| found.len()))
    });
    c.bench_function("icd10cm search words \"hypertrophy of breast\"", |b| {
        b.iter(|| {
            set.search(black_box("hypertrophy of breast"))
                .map(|found| found.len())
        })
    });
    c.bench_function("icd10cm search words \"fracture femur\"", |b| {
        b.iter(|| {
            set.search(black_box("fracture femur"))
                .map(|found| found.len())
        })
    });
    // The worst queries within the limits of anescode_codes::query: eight distinct
    // one-letter words that nearly every title contains (every word is scanned for
    // every title, and almost every code matches and is sorted), and the longest
    // query accepted, which deduplicates to one word.
    c.bench_function("icd10cm search worst \"e a i o n r s t\"", |b| {
        b.iter(|| {
            set.search(black_box("e a i o n r s t"))
                .map(|found| found.len())
        })
    });
    let longest = "e ".repeat(100);
    c.bench_function("icd10cm search longest \"e \" x 100", |b| {
        b.iter(|| set.search(black_box(&longest)).map(|found| found.len()))
    });
    c.bench_function("icd10cm parse embedded table", |b| {
        b.iter(Icd10Cm::parse_embedded)
    });
}

criterion_group!(benches, icd10cm);
criterion_main!(benches);
