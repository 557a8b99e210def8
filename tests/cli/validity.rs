//! The validity workflow of issue 10: `replyscope sample` (a reproducible coding sheet and
//! its page, driven in headless Chromium), `replyscope agree` and queries corrected by a
//! coded sample (`calibration = ...`, the `*_ppi` columns).

use super::util::*;
use serde_json::Value as Json;
use std::path::Path;

fn jsonl(path: &Path) -> Vec<Json> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn write_jsonl(t: &TestDir, rel: &str, recs: &[Json]) -> std::path::PathBuf {
    let text: String = recs.iter().map(|r| format!("{r}\n")).collect();
    t.write(rel, text)
}

/// An index of the first 1,000 twcs tweets (reply-linked: responses come from the threads).
fn twcs(t: &TestDir) {
    let o = t.index_data("twcs.toml", "corpora/twcs_head1000.csv", "ix");
    assert!(o.code <= 1, "{o:?}");
}

#[test]
fn sample_is_reproducible_stratified_and_blind() {
    let t = TestDir::new();
    twcs(&t);
    let draw = |out: &str, seed: &str, extra: &[&str]| {
        let mut args = vec![
            "sample",
            "ix",
            "--n",
            "60",
            "--seed",
            seed,
            "--stratify",
            "company",
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        let o = t.run(args);
        assert_eq!(o.code, 0, "{o:?}");
        o
    };
    let o = draw("s1", "7", &[]);
    assert!(
        o.stdout.contains("stratum") && o.stdout.contains("weight"),
        "{}",
        o.stdout
    );
    draw("s2", "7", &[]);
    draw("s3", "8", &[]);
    let read = |d: &str| std::fs::read(t.path().join(d).join("sample.jsonl")).unwrap();
    assert_eq!(read("s1"), read("s2"), "same seed, same sample");
    assert_ne!(read("s1"), read("s3"), "another seed, another sample");
    let recs = jsonl(&t.path().join("s1/sample.jsonl"));
    assert_eq!(recs.len(), 60);
    let m: Json =
        serde_json::from_slice(&std::fs::read(t.path().join("s1/sample.manifest.json")).unwrap())
            .unwrap();
    assert_eq!(
        m["masking"], "unmasked",
        "coding sheets hold the original texts"
    );
    let strata = m["strata"].as_array().unwrap();
    assert!(strata.len() > 1 && strata.len() <= 60, "{strata:?}");
    let population: u64 = strata
        .iter()
        .map(|s| s["population"].as_u64().unwrap())
        .sum();
    assert_eq!(m["sample"]["population"].as_u64(), Some(population));
    // Every stratum is drawn (n is at least the number of strata), and the weights of the
    // drawn rows add up to the population: each row stands for N_h / n_h rows.
    assert!(
        strata.iter().all(|s| s["sampled"].as_u64().unwrap() >= 1),
        "{strata:?}"
    );
    let total: f64 = recs.iter().map(|r| r["weight"].as_f64().unwrap()).sum();
    assert!(
        (total - population as f64).abs() < 1e-6,
        "{total} vs {population}"
    );
    for r in &recs {
        for k in [
            "id",
            "interaction",
            "source",
            "kind",
            "shape",
            "text",
            "stratum",
            "weight",
            "sample",
        ] {
            assert!(!r[k].is_null(), "{k} missing in {r}");
        }
        assert_eq!(r["shape"], "thread");
        assert!(
            r.get("tagger").is_none(),
            "coders are blind to the tagger by default"
        );
    }
    // With --with-tags the tagger's labels come along.
    draw("s4", "7", &["--with-tags"]);
    let tagged = jsonl(&t.path().join("s4/sample.jsonl"));
    assert_eq!(tagged.len(), 60);
    assert!(
        tagged.iter().all(|r| r["tagger"]["responded"].is_string()),
        "{:?}",
        tagged[0]
    );
    assert_eq!(tagged[0]["id"], recs[0]["id"]);
    // A simple sample of documents; an unknown field names the known ones.
    let o = t.run([
        "sample",
        "ix",
        "--n",
        "5",
        "--seed",
        "1",
        "--table",
        "documents",
        "--out",
        "s5",
    ]);
    assert_eq!(o.code, 0, "{o:?}");
    let docs = jsonl(&t.path().join("s5/sample.jsonl"));
    assert!(docs
        .iter()
        .all(|r| r["stratum"] == "all" && r["interaction"].is_null()));
    let o = t.run([
        "sample",
        "ix",
        "--n",
        "5",
        "--seed",
        "1",
        "--stratify",
        "compnay",
        "--out",
        "s6",
    ]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains(
            "--stratify \"compnay\": not a field of the interactions table (known: id, doc_id"
        ),
        "{}",
        o.stderr
    );
}

/// The selftest result coding.html#selftest writes into its DOM.
fn selftest_result(dom: &str) -> Json {
    let start = dom
        .find("<pre id=\"selftest\"")
        .expect("selftest element in the DOM");
    let body = &dom[start..];
    let open = body.find('>').unwrap() + 1;
    let close = body.find("</pre>").unwrap();
    let text = body[open..close]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("selftest output is not JSON ({e}): {text}"))
}

/// Issue 10, item 1: the coding page in headless Chromium. A scripted sequence of keys
/// codes three texts and saves; the coded JSONL must be the gold format, the page must
/// log no error and must not be able to open a connection.
#[test]
fn coding_page_works_in_headless_chromium() {
    let chromium = Path::new("/usr/bin/chromium");
    if !chromium.exists() {
        tool_missing(
            "chromium (/usr/bin/chromium)",
            "apt-get install -y chromium",
        );
        return;
    }
    let t = TestDir::new();
    twcs(&t);
    let o = t.run(["sample", "ix", "--n", "5", "--seed", "3", "--out", "sheet"]);
    assert_eq!(o.code, 0, "{o:?}");
    let page = t.path().join("sheet/coding.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("http-equiv=\"Content-Security-Policy\""),
        "a CSP meta"
    );
    assert!(html.contains("default-src 'none'") && html.contains("connect-src 'none'"));
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}#selftest", page.display());
    let mut child = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--virtual-time-budget=5000", "--dump-dom"])
        .arg(&url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start chromium");
    let (out, err) = {
        use std::io::Read;
        let mut so = child.stdout.take().unwrap();
        let mut se = child.stderr.take().unwrap();
        let h = std::thread::spawn(move || {
            let mut s = String::new();
            se.read_to_string(&mut s).ok();
            s
        });
        let started = std::time::Instant::now();
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            so.read_to_string(&mut s).ok();
            s
        });
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if started.elapsed() > std::time::Duration::from_secs(120) {
                child.kill().ok();
                child.wait().ok();
                panic!("chromium did not finish within 120 s");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        (reader.join().unwrap(), h.join().unwrap())
    };
    let r = selftest_result(&out);
    assert_eq!(
        r["errors"],
        serde_json::json!([]),
        "page errors; chromium said: {err}"
    );
    assert_eq!(
        r["fetch_blocked"], true,
        "the CSP must refuse every connection: {r}"
    );
    assert!(
        r["violations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v.as_str().unwrap().starts_with("connect-src")),
        "{r}"
    );
    assert_eq!(r["records"], 5);
    assert_eq!(r["help_shown"], false);
    assert_eq!(r["help_after_toggle"], true);
    let coded: Vec<Json> = r["coded"]
        .as_str()
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(coded.len(), 3, "three texts coded: {coded:?}");
    let sheet = jsonl(&t.path().join("sheet/sample.jsonl"));
    let c = &coded[0];
    assert_eq!(c["id"], sheet[0]["id"]);
    assert_eq!(c["interaction"], sheet[0]["interaction"]);
    assert_eq!(c["text"], sheet[0]["text"]);
    assert_eq!(c["coder"], "selftest");
    assert_eq!(c["responded"], "yes");
    assert_eq!(c["resolution"], "resolved");
    assert_eq!(c["channels"], serde_json::json!(["email", "phone"]));
    assert_eq!(c["switched"], true);
    assert_eq!(c["latency"]["kind"], "at_most");
    assert_eq!(c["latency"]["seconds"], 300);
    assert_eq!(c["companies"]["subject"], serde_json::json!(["acme_corp"]));
    assert_eq!(c["stratum"], sheet[0]["stratum"]);
    assert_eq!(c["weight"], sheet[0]["weight"]);
    assert_eq!(c["population"], sheet[0]["population"]);
    let c = &coded[1];
    assert_eq!(
        (c["responded"].as_str(), c["resolution"].as_str()),
        (Some("no"), Some("unresolved"))
    );
    assert_eq!(c["channels"], serde_json::json!(["twitter"]));
    assert_eq!(c["switched"], false);
    assert!(c["latency"].is_null());
    let c = &coded[2];
    assert_eq!(c["id"], sheet[2]["id"]);
    assert_eq!(c["responded"], "unknown");
    assert_eq!(
        c["channels"],
        serde_json::json!([]),
        "a channel toggled twice is off"
    );
    assert!(c.get("resolution").is_none(), "resolution left uncoded");
    assert!(c["switched"].is_null());
    // The saved file is a coded sample every command reads: agree and eval --gold.
    let path = t.write("coded.jsonl", r["coded"].as_str().unwrap());
    let o = t.run([
        "agree",
        path.to_str().unwrap(),
        "--index",
        "ix",
        "--format",
        "json",
    ]);
    assert_eq!(o.code, 0, "{o:?}");
    let rep: Json = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(rep["comparisons"][0]["units"], 3);
    let o = t.run(["eval", "--gold", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.code, 0, "{o:?}");
}

/// Coder B: coder A's labels with some changed, so the two disagree now and then.
fn second_coder(a: &[Json]) -> Vec<Json> {
    a.iter()
        .enumerate()
        .map(|(i, r)| {
            let mut r = r.clone();
            r["coder"] = "bob".into();
            if i % 4 == 1 {
                r["responded"] = if r["responded"] == "yes" {
                    "no".into()
                } else {
                    "yes".into()
                };
            }
            if i % 5 == 2 {
                r["channels"] = serde_json::json!(["phone"]);
            }
            r
        })
        .collect()
}

#[test]
fn agree_compares_coders_and_the_tagger() {
    let t = TestDir::new();
    let gold = repo().join("tests/gold/heldout.jsonl");
    let mut a = jsonl(&gold);
    for r in a.iter_mut() {
        r["coder"] = "ann".into();
    }
    let pa = write_jsonl(&t, "ann.jsonl", &a);
    let b = second_coder(&a);
    let pb = write_jsonl(&t, "bob.jsonl", &b);
    let o = t.run([
        "agree",
        pa.to_str().unwrap(),
        pb.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.code, 0, "{o:?}");
    let rep: Json = serde_json::from_str(&o.stdout).unwrap();
    let comps = rep["comparisons"].as_array().unwrap();
    assert_eq!(comps.len(), 3, "ann vs bob, tagger vs ann, tagger vs bob");
    assert_eq!(
        (comps[0]["a"].as_str(), comps[0]["b"].as_str()),
        (Some("ann"), Some("bob"))
    );
    assert_eq!(comps[1]["a"], "tagger");
    assert_eq!(comps[0]["units"].as_u64(), Some(a.len() as u64));
    let set = |c: &Json, name: &str| -> Json {
        c["sets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["set"] == name)
            .unwrap()
            .clone()
    };
    // ann vs bob on responded, recomputed here from the files.
    let lab = |r: &Json| r["responded"].as_str().unwrap_or("none").to_string();
    let (xa, xb): (Vec<String>, Vec<String>) =
        a.iter().zip(&b).map(|(x, y)| (lab(x), lab(y))).unzip();
    let resp = set(&comps[0], "responded");
    let k = replyscope::validity::agree::cohen_kappa(&xa, &xb).unwrap();
    assert!((resp["kappa"]["value"].as_f64().unwrap() - k).abs() < 1e-12);
    let al = replyscope::validity::agree::alpha_nominal(&xa, &xb).unwrap();
    assert!((resp["alpha"]["value"].as_f64().unwrap() - al).abs() < 1e-12);
    let (lo, hi) = (
        resp["kappa"]["low"].as_f64().unwrap(),
        resp["kappa"]["high"].as_f64().unwrap(),
    );
    assert!(lo < k && k < hi, "bootstrap interval {lo}..{hi} around {k}");
    assert!(resp["confusion"]["yes"]["no"].as_u64().unwrap() > 0);
    // Seconds are interval data: no kappa, alpha only.
    let secs = set(&comps[0], "latency_seconds");
    assert_eq!(secs["level"], "interval");
    assert!(
        secs["kappa"]["value"].is_null() && secs["alpha"]["value"].is_number(),
        "{secs}"
    );
    // The same files give the same numbers (the bootstrap is seeded).
    let again = t.run([
        "agree",
        pa.to_str().unwrap(),
        pb.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.stdout, again.stdout);
    // The table and CSV formats.
    let o = t.run(["agree", pa.to_str().unwrap(), pb.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(
        o.stdout
            .contains(&format!("ann vs bob: {} records both have", a.len())),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("Krippendorff's alpha") && o.stdout.contains("confusion (ann -> bob)")
    );
    let o = t.run(["agree", pa.to_str().unwrap(), "--format", "csv"]);
    assert!(
        o.stdout.starts_with("a,b,set,level,n,agreement"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("tagger,ann,latency_seconds,interval"));
    // A broken coded file names its line.
    let bad = t.write("bad.jsonl", "{\"id\":\"x\",\"responded\":\"perhaps\"}\n");
    let o = t.run(["agree", bad.to_str().unwrap()]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("bad.jsonl: line 1: responded: \"perhaps\" is not a label"),
        "{}",
        o.stderr
    );
}

/// Coded labels made from the sheet's tagger labels: `flip` says which records the coder
/// corrects (responded yes <-> no).
fn coded_from_tags(sheet: &[Json], flip: impl Fn(usize) -> bool) -> Vec<Json> {
    sheet
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let tg = &r["tagger"];
            let mut responded = tg["responded"].clone();
            if flip(i) {
                responded = match responded.as_str() {
                    Some("yes") => "no".into(),
                    Some("no") => "yes".into(),
                    _ => responded,
                };
            }
            serde_json::json!({
                "id": r["id"], "interaction": r["interaction"], "text": r["text"],
                "coder": "test", "stratum": r["stratum"], "weight": r["weight"], "population": r["population"], "sample": r["sample"],
                "companies": tg["companies"], "channels": tg["channels"],
                "responded": responded, "resolution": tg["resolution"],
                "switched": tg["switched"], "latency": tg["latency"],
            })
        })
        .collect()
}

fn csv_rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// Issue 10, items 3 and 5: a query naming a coded sample gets `*_ppi` columns next to the
/// raw rates, notes that say which columns are corrected and how, and a manifest naming the
/// sample. With coders who agree with the tagger everywhere, the corrected rate is the raw
/// rate; where coders correct it, it moves by the mean correction.
#[test]
fn calibrated_query_adds_corrected_rates() {
    let t = TestDir::new();
    twcs(&t);
    let o = t.run([
        "sample",
        "ix",
        "--n",
        "60",
        "--seed",
        "11",
        "--with-tags",
        "--out",
        "sheet",
    ]);
    assert_eq!(o.code, 0, "{o:?}");
    let sheet = jsonl(&t.path().join("sheet/sample.jsonl"));
    write_jsonl(&t, "q/same.jsonl", &coded_from_tags(&sheet, |_| false));
    write_jsonl(
        &t,
        "q/flipped.jsonl",
        &coded_from_tags(&sheet, |i| i % 3 == 0),
    );
    let query = |cal: &str, extra: &str| {
        format!(
            "title = \"Corrected\"\ntable = \"interactions\"\nmetrics = [\"stories\", \"response_rate\", \"channel_switch_rate\", \"resolution_rate\", \"share:responded\"]\ncalibration = \"{cal}\"\n{extra}"
        )
    };
    t.write("q/same.toml", query("same.jsonl", ""));
    t.write("q/flipped.toml", query("flipped.jsonl", ""));
    t.write(
        "q/by_company.toml",
        query(
            "flipped.jsonl",
            "group_by = [\"company\"]\nmin_coded = 10\n",
        ),
    );
    let o = t.run([
        "query",
        "ix",
        "q/same.toml",
        "q/flipped.toml",
        "q/by_company.toml",
        "--out",
        "out",
    ]);
    assert_eq!(o.code, 0, "{o:?}");
    let same = &csv_rows(&t.path().join("out/same.csv"))[0];
    for k in [
        "response_rate_ppi",
        "response_rate_ppi_low",
        "response_rate_ppi_high",
        "response_rate_ppi_coded",
        "response_rate_ppi_note",
        "switch_rate_ppi",
        "resolution_rate_ppi",
        "responded:yes_ppi",
        "responded_ppi_note",
    ] {
        assert!(same.contains_key(k), "{k} missing: {:?}", same.keys());
    }
    let num = |row: &std::collections::BTreeMap<String, String>, k: &str| -> f64 {
        row[k]
            .parse()
            .unwrap_or_else(|_| panic!("{k} = {:?}", row[k]))
    };
    assert!(
        (num(same, "response_rate_ppi") - num(same, "response_rate")).abs() < 1e-6,
        "{same:?}"
    );
    assert!(num(same, "response_rate_ppi_low") <= num(same, "response_rate_ppi"));
    assert!(num(same, "response_rate_ppi_coded") >= 10.0, "{same:?}");
    assert_eq!(same["response_rate_ppi_note"], "");
    // Flipped answers: the estimate is the raw rate plus the mean correction of the coded
    // rows the tagger decided.
    let flipped = &csv_rows(&t.path().join("out/flipped.csv"))[0];
    let (mut sum, mut n) = (0.0, 0.0);
    for (i, r) in sheet.iter().enumerate() {
        let tg = r["tagger"]["responded"].as_str().unwrap();
        if tg != "yes" && tg != "no" {
            continue;
        }
        let f = (tg == "yes") as u8 as f64;
        let y = if i % 3 == 0 { 1.0 - f } else { f };
        sum += (y - f) * r["weight"].as_f64().unwrap();
        n += r["weight"].as_f64().unwrap();
    }
    let expected = (num(flipped, "response_rate") + sum / n).clamp(0.0, 1.0);
    assert!(
        (num(flipped, "response_rate_ppi") - expected).abs() < 1e-5,
        "{} vs {expected}",
        num(flipped, "response_rate_ppi")
    );
    // Small cells are marked, never silently uncorrected.
    let rows = csv_rows(&t.path().join("out/by_company.csv"));
    assert!(
        rows.iter()
            .any(|r| r["response_rate_ppi_note"].contains("fewer than min_coded 10")),
        "{rows:?}"
    );
    // The manifest names the sample; the notes say what was corrected and how.
    let m: Json =
        serde_json::from_slice(&std::fs::read(t.path().join("out/flipped.manifest.json")).unwrap())
            .unwrap();
    let cal = &m["calibration"];
    assert_eq!(cal["coded"], 60);
    assert_eq!(cal["sample"]["seed"], 11);
    assert_eq!(cal["sha256"].as_str().unwrap().len(), 64);
    assert!(cal["strata"]["all"]["coded"] == 60, "{cal}");
    assert_eq!(
        cal["strata"]["all"]["population"],
        sheet[0]["sample"]["population"]
    );
    let md = std::fs::read_to_string(t.path().join("out/flipped.md")).unwrap();
    assert!(
        md.contains("*_ppi columns: prediction-powered estimates") && md.contains("flipped.jsonl"),
        "{md}"
    );
    assert!(md.contains("coded="));
    let tex = std::fs::read_to_string(t.path().join("out/flipped.tex")).unwrap();
    assert!(tex.contains("prediction-powered"), "{tex}");
    // A missing sample fails the query and says where it looked.
    t.write("q/missing.toml", query("nowhere.jsonl", ""));
    let o = t.run(["query", "ix", "q/missing.toml", "--out", "out2"]);
    assert_eq!(o.code, 1, "{o:?}");
    assert!(
        o.stderr.contains("calibration \"nowhere.jsonl\"")
            && o.stderr.contains("relative to the query file"),
        "{}",
        o.stderr
    );
}
