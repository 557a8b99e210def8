//! The agreement report as text: an aligned table with confusion tables, CSV, or JSON.
//! Pure functions from a [`Report`] to a string; [`crate::app`] prints them.

use super::agree::{Level, Report, Stat};

fn shown(s: &Stat) -> String {
    match (s.value, s.low, s.high) {
        (Some(v), Some(l), Some(h)) => format!("{v:.3} [{l:.3}, {h:.3}]"),
        (Some(v), _, _) => format!("{v:.3}"),
        _ => "n/a".into(),
    }
}

/// Aligned tables for reading.
pub fn table(r: &Report) -> String {
    let mut s = format!(
        "tagger labels from {}\nbootstrap: {} resamples of the documents (seed {}), percentile 95% intervals\n",
        r.tagger, r.bootstrap_replicates, r.bootstrap_seed
    );
    for c in &r.comparisons {
        s.push_str(&format!(
            "\n{} vs {}: {} records both have\n{:<28} {:>4}  {:<22} {:<22} {:<22}\n",
            c.a,
            c.b,
            c.units,
            "label set",
            "n",
            "agreement",
            "Cohen's kappa",
            "Krippendorff's alpha"
        ));
        // A channel neither side ever marks says only that: one line for all of them.
        let unused = |a: &super::agree::Agreement| {
            a.set.starts_with("channel:")
                && a.confusion.keys().all(|k| k == "0")
                && a.confusion.values().all(|row| row.keys().all(|k| k == "0"))
        };
        for a in c.sets.iter().filter(|a| a.n == 0 || !unused(a)) {
            let level = if a.level == Level::Interval {
                " (interval)"
            } else {
                ""
            };
            s.push_str(&format!(
                "{:<28} {:>4}  {:<22} {:<22} {:<22}\n",
                format!("{}{level}", a.set),
                a.n,
                shown(&a.agreement),
                if a.level == Level::Interval {
                    "-".to_string()
                } else {
                    shown(&a.kappa)
                },
                shown(&a.alpha)
            ));
        }
        let quiet: Vec<&str> = c
            .sets
            .iter()
            .filter(|a| a.n > 0 && unused(a))
            .map(|a| &a.set["channel:".len()..])
            .collect();
        if !quiet.is_empty() {
            s.push_str(&format!(
                "channels neither side marks (agreement 1, kappa and alpha n/a): {}\n",
                quiet.join(", ")
            ));
        }
        s.push_str(&format!("confusion ({} -> {}):\n", c.a, c.b));
        for a in c
            .sets
            .iter()
            .filter(|a| a.n > 0 && a.level == Level::Nominal)
        {
            if unused(a) {
                continue;
            }
            let cells: Vec<(&String, &String, u64)> = a
                .confusion
                .iter()
                .flat_map(|(x, row)| row.iter().map(move |(y, n)| (x, y, *n)))
                .collect();
            if a.confusion.len() <= 6 {
                for (x, row) in &a.confusion {
                    let line: Vec<String> = row.iter().map(|(y, n)| format!("{y}:{n}")).collect();
                    s.push_str(&format!("  {:<24} {x:<12} -> {}\n", a.set, line.join("  ")));
                }
            } else {
                let mut off: Vec<_> = cells.iter().filter(|(x, y, _)| x != y).collect();
                off.sort_by(|p, q| q.2.cmp(&p.2).then(p.0.cmp(q.0)).then(p.1.cmp(q.1)));
                let same: u64 = cells.iter().filter(|(x, y, _)| x == y).map(|c| c.2).sum();
                if off.is_empty() {
                    s.push_str(&format!("  {:<24} all {same} the same\n", a.set));
                    continue;
                }
                s.push_str(&format!(
                    "  {:<24} {same} the same; most frequent differences: {}\n",
                    a.set,
                    off.iter()
                        .take(5)
                        .map(|(x, y, n)| format!("{x} -> {y} ({n})"))
                        .collect::<Vec<_>>()
                        .join("; ")
                ));
            }
        }
    }
    s
}

/// CSV: one row per comparison and label set.
pub fn csv(r: &Report) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record([
        "a",
        "b",
        "set",
        "level",
        "n",
        "agreement",
        "agreement_low",
        "agreement_high",
        "kappa",
        "kappa_low",
        "kappa_high",
        "alpha",
        "alpha_low",
        "alpha_high",
    ])
    .expect("in-memory write");
    let f = |v: Option<f64>| v.map(|v| format!("{v:.6}")).unwrap_or_default();
    for c in &r.comparisons {
        for a in &c.sets {
            let level = if a.level == Level::Interval {
                "interval"
            } else {
                "nominal"
            };
            let mut rec = vec![
                c.a.clone(),
                c.b.clone(),
                a.set.clone(),
                level.into(),
                a.n.to_string(),
            ];
            for s in [&a.agreement, &a.kappa, &a.alpha] {
                rec.extend([f(s.value), f(s.low), f(s.high)]);
            }
            w.write_record(&rec).expect("in-memory write");
        }
    }
    String::from_utf8(w.into_inner().expect("in-memory writer")).expect("UTF-8")
}

/// One JSON document.
pub fn json(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(r).expect("report serialises");
    s.push('\n');
    s
}
