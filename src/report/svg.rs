//! SVG figures, written by hand: two chart types, exact control over every byte (the same
//! table gives the same file), and no font or system library needed to draw them.
//!
//! - `response_rate`: one row per group, the rate as a dot and its Wilson 95% interval as a
//!   line, with n.
//! - `kaplan_meier`: share answered against time (log scale), one step curve per group,
//!   unanswered conversations censored.

use super::{human, human_seconds};
use crate::query::{Kind, Table, Value};

const WIDTH: f64 = 760.0;
const PALETTE: &[&str] = &[
    "#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c", "#8d6a9f", "#4f5d75",
];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The figure a query asks for, if it has one and there is something to draw.
pub fn figure(t: &Table) -> Option<String> {
    match t.figure.as_deref()? {
        "response_rate" => rate_chart(t, "response_rate"),
        "kaplan_meier" => km_chart(t),
        _ => None,
    }
}

fn header(height: f64, title: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height:.0}\" viewBox=\"0 0 {WIDTH} {height:.0}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"16\" y=\"24\" font-size=\"15\" font-weight=\"bold\">{}</text>\n",
        esc(title)
    )
}

fn rate_chart(t: &Table, column: &str) -> Option<String> {
    let ci = t.columns.iter().position(|c| c.name == column)?;
    let keys = t.columns.iter().take_while(|c| c.kind == Kind::Key).count();
    let rows: Vec<(String, &crate::query::Rate, bool)> = t
        .rows
        .iter()
        .filter_map(|r| match &r.values[ci] {
            Value::Rate(x) => Some((crate::query::row_label(r, keys), x, r.below_min_n)),
            _ => None,
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    // Rows whose rate is undefined (no story answered or unanswered) have no point to draw;
    // the figure says how many it leaves out.
    let undrawn = t.rows.len() - rows.len();
    // The right margin holds "100.0% [91.8, 100.0]" and "n=1234" side by side.
    let (left, right, top, step) = (200.0, 220.0, 56.0, 24.0);
    let plot_w = WIDTH - left - right;
    let height = top + step * rows.len() as f64 + 56.0;
    let x = |p: f64| left + p * plot_w;
    let mut s = header(height, &t.title);
    s.push_str(&format!(
        "<text x=\"16\" y=\"42\" fill=\"#555\">{} with Wilson 95% interval; † n below {}</text>\n",
        esc(column),
        t.min_n
    ));
    let bottom = top + step * rows.len() as f64;
    for tick in 0..=10 {
        let p = tick as f64 / 10.0;
        s.push_str(&format!(
            "<line x1=\"{0:.1}\" y1=\"{top:.1}\" x2=\"{0:.1}\" y2=\"{bottom:.1}\" stroke=\"#e3e3e3\"/>\n<text x=\"{0:.1}\" y=\"{1:.1}\" text-anchor=\"middle\" fill=\"#555\">{2}%</text>\n",
            x(p),
            bottom + 16.0,
            tick * 10
        ));
    }
    for (i, (label, r, weak)) in rows.iter().enumerate() {
        let y = top + step * (i as f64 + 0.5);
        let colour = if *weak { "#999" } else { PALETTE[0] };
        let mark = if *weak { " †" } else { "" };
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}{}</text>\n",
            left - 10.0,
            y + 4.0,
            esc(label),
            mark
        ));
        s.push_str(&format!("<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{colour}\" stroke-width=\"2\"/>\n", x(r.low), x(r.high)));
        s.push_str(&format!(
            "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"{colour}\"/>\n",
            x(r.p)
        ));
        let shown = human(&Value::Rate(**r), Kind::Rate);
        let shown = shown.split(" n=").next().unwrap_or("");
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#555\">{}</text>\n",
            WIDTH - right + 8.0,
            y + 4.0,
            esc(shown)
        ));
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#555\" text-anchor=\"end\">n={}</text>\n",
            WIDTH - 8.0,
            y + 4.0,
            r.n
        ));
    }
    if undrawn > 0 {
        s.push_str(&format!(
            "<text x=\"16\" y=\"{:.1}\" fill=\"#777\" font-size=\"10\">not drawn: {undrawn} row{} with no answered or unanswered story (rate undefined)</text>\n",
            height - 26.0,
            if undrawn == 1 { "" } else { "s" }
        ));
    }
    s.push_str(&format!(
        "<text x=\"16\" y=\"{:.1}\" fill=\"#777\" font-size=\"10\">{}</text>\n",
        height - 12.0,
        esc(&t.query_path)
    ));
    s.push_str("</svg>\n");
    Some(s)
}

fn km_chart(t: &Table) -> Option<String> {
    let curves: Vec<_> = t.curves.iter().filter(|c| c.n > 0).collect();
    if curves.is_empty() {
        return None;
    }
    let (left, right, top, bottom_pad) = (64.0, 190.0, 56.0, 52.0);
    let height = 420.0;
    let plot_w = WIDTH - left - right;
    let plot_h = height - top - bottom_pad;
    // Log-scaled time axis from 1 minute to the last event (at least one day).
    let t_min: f64 = 60.0;
    let t_last = curves
        .iter()
        .flat_map(|c| c.steps.iter().map(|s| s.0))
        .fold(86_400.0_f64, f64::max);
    let decades = (t_last / t_min).log10().ceil().max(1.0);
    let x = |secs: f64| left + ((secs.max(t_min) / t_min).log10() / decades).min(1.0) * plot_w;
    let y = |answered: f64| top + (1.0 - answered) * plot_h;
    let mut s = header(height, &t.title);
    s.push_str("<text x=\"16\" y=\"42\" fill=\"#555\">Kaplan-Meier share answered by time since the customer's post (unanswered censored)</text>\n");
    for tick in 0..=4 {
        let a = tick as f64 / 4.0;
        s.push_str(&format!(
            "<line x1=\"{left:.1}\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\" stroke=\"#e3e3e3\"/>\n<text x=\"{2:.1}\" y=\"{3:.1}\" text-anchor=\"end\" fill=\"#555\">{4}%</text>\n",
            y(a),
            left + plot_w,
            left - 6.0,
            y(a) + 4.0,
            tick * 25
        ));
    }
    for (secs, label) in [
        (60.0, "1 min"),
        (600.0, "10 min"),
        (3600.0, "1 h"),
        (21_600.0, "6 h"),
        (86_400.0, "1 d"),
        (604_800.0, "7 d"),
        (2_592_000.0, "30 d"),
    ] {
        if secs > t_min * 10f64.powf(decades) {
            break;
        }
        s.push_str(&format!(
            "<line x1=\"{0:.1}\" y1=\"{top:.1}\" x2=\"{0:.1}\" y2=\"{1:.1}\" stroke=\"#e3e3e3\"/>\n<text x=\"{0:.1}\" y=\"{2:.1}\" text-anchor=\"middle\" fill=\"#555\">{label}</text>\n",
            x(secs),
            top + plot_h,
            top + plot_h + 16.0
        ));
    }
    for (i, c) in curves.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let mut pts = vec![format!("{:.1},{:.1}", x(t_min), y(0.0))];
        let mut answered = 0.0;
        for &(secs, surv) in &c.steps {
            pts.push(format!("{:.1},{:.1}", x(secs), y(answered)));
            answered = 1.0 - surv;
            pts.push(format!("{:.1},{:.1}", x(secs), y(answered)));
        }
        pts.push(format!("{:.1},{:.1}", left + plot_w, y(answered)));
        s.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>\n",
            pts.join(" ")
        ));
        let ly = top + 14.0 + 18.0 * i as f64;
        s.push_str(&format!(
            "<line x1=\"{0:.1}\" y1=\"{ly:.1}\" x2=\"{1:.1}\" y2=\"{ly:.1}\" stroke=\"{colour}\" stroke-width=\"3\"/>\n<text x=\"{2:.1}\" y=\"{3:.1}\">{4} (n={5})</text>\n",
            left + plot_w + 12.0,
            left + plot_w + 30.0,
            left + plot_w + 36.0,
            ly + 4.0,
            esc(&c.label),
            c.n
        ));
    }
    s.push_str(&format!(
        "<text x=\"16\" y=\"{:.1}\" fill=\"#777\" font-size=\"10\">{} · last event {}</text>\n",
        height - 12.0,
        esc(&t.query_path),
        esc(&human_seconds(t_last))
    ));
    s.push_str("</svg>\n");
    Some(s)
}
