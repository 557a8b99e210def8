//! Crash safety: a rebuild killed (SIGKILL) at any point leaves the previous index in place
//! and usable, and the next build cleans up, completes, and writes the same index as a build
//! that was never interrupted.

use super::util::*;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// When to kill the rebuild.
#[derive(Debug, Clone, Copy)]
enum KillAt {
    /// This long after the start.
    After(Duration),
    /// As soon as this path exists in the build's staging directory (each build has its own,
    /// `.ix.replyscope-tmp-PID-TIME`).
    Appears(&'static str),
}

/// The files of an index whose bytes must not change: tables that carry no time stamp.
const STABLE: &[&str] = &[
    "tables/documents.parquet",
    "tables/interactions.parquet",
    "tables/mentions.parquet",
    "tables/threads.parquet",
    "rejects.jsonl",
];

fn index_args() -> Vec<String> {
    let manifest = repo().join("corpus/twcs.toml");
    vec![
        "index".into(),
        "--corpus".into(),
        manifest.display().to_string(),
        "--data".into(),
        "big.csv".into(),
        "--out".into(),
        "ix".into(),
        // The corpus does not change between these builds: a rebuild must be asked for.
        "--full".into(),
    ]
}

fn stable_bytes(ix: &Path) -> Vec<(&'static str, Vec<u8>)> {
    STABLE
        .iter()
        .map(|f| {
            (
                *f,
                std::fs::read(ix.join(f)).unwrap_or_else(|e| panic!("{f}: {e}")),
            )
        })
        .collect()
}

/// Starts a rebuild of `ix` and kills it at `at`. Returns whether it was killed (a rebuild
/// can finish first) and when.
fn kill_rebuild(t: &TestDir, at: KillAt) -> (bool, Duration) {
    let mut child = t
        .command(index_args())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start replyscope");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(
                status.success(),
                "an uninterrupted rebuild succeeds: {status:?}"
            );
            return (false, start.elapsed());
        }
        let due = match at {
            KillAt::After(d) => start.elapsed() >= d,
            KillAt::Appears(p) => staged(t, p),
        };
        if due {
            child.kill().unwrap(); // SIGKILL: no destructor, no cleanup runs
            let took = start.elapsed();
            child.wait().unwrap();
            return (true, took);
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "the rebuild neither finished nor reached {at:?}"
        );
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// Whether `rel` exists in a staging directory of `ix`.
fn staged(t: &TestDir, rel: &str) -> bool {
    std::fs::read_dir(t.path()).unwrap().any(|e| {
        let e = e.unwrap();
        e.file_name()
            .to_string_lossy()
            .starts_with(".ix.replyscope-tmp")
            && e.path().join(rel).exists()
    })
}

/// `ix` is the index built first: same fingerprint, same tables, and it answers a search.
fn assert_original_index(
    t: &TestDir,
    fingerprint: &serde_json::Value,
    tables: &[(&str, Vec<u8>)],
    when: &str,
) {
    let ix = t.path().join("ix");
    assert!(
        ix.join("manifest.json").exists(),
        "{when}: ix has no manifest.json"
    );
    let m = manifest(&ix);
    assert_eq!(m["tool"], "replyscope", "{when}");
    assert_eq!(&m["fingerprint"], fingerprint, "{when}");
    for (f, bytes) in tables {
        assert!(
            std::fs::read(ix.join(f)).unwrap() == *bytes,
            "{when}: {f} changed"
        );
    }
    let o = t.run(["search", "ix", "refund"]);
    assert_eq!(o.code, 0, "{when}: {o:?}");
    assert!(
        o.stdout.contains(" documents match"),
        "{when}: {}",
        o.stdout
    );
}

fn leftovers(t: &TestDir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".ix."))
        .collect();
    names.sort();
    names
}

#[test]
fn a_rebuild_killed_at_any_point_leaves_the_old_index_and_the_next_build_completes() {
    let t = TestDir::new();
    bench_corpus(&t, 40, "big.csv");
    let started = Instant::now();
    let o = t.run(index_args());
    let full = started.elapsed();
    assert_eq!(o.code, 0, "{o:?}");
    let ix = t.path().join("ix");
    assert_eq!(counts(&ix), (40_000, 40_000, 0));
    let fingerprint = manifest(&ix)["fingerprint"].clone();
    let tables = stable_bytes(&ix);
    eprintln!("uninterrupted build: {full:.1?}");

    // Points in time as parts of the uninterrupted build's time, so they fall inside the
    // build on a fast machine and a slow one alike (fixed delays fell after a fast build's
    // end): from the start-up to the last tables.
    let points = [
        KillAt::After(full / 50),
        KillAt::After(full / 10),
        KillAt::After(full / 4),
        KillAt::After(full / 2),
        KillAt::After(full * 3 / 4),
        // Ingest is over: the tables are being finished.
        KillAt::Appears("tables/threads.parquet"),
        // The build is complete and about to be swapped in.
        KillAt::Appears("manifest.json"),
    ];
    let mut killed = 0;
    for at in points {
        let (was_killed, when) = kill_rebuild(&t, at);
        eprintln!(
            "{at:?}: killed {was_killed} at {when:.3?}, left {:?}",
            leftovers(&t)
        );
        killed += usize::from(was_killed);
        assert_original_index(
            &t,
            &fingerprint,
            &tables,
            &format!("after a kill at {at:?}"),
        );
    }
    assert!(
        killed >= 5,
        "most kills land during the build ({killed} of {})",
        points.len()
    );

    // The next build cleans up what the killed ones left and writes the same index.
    let o = t.run(index_args());
    assert_eq!(o.code, 0, "{o:?}");
    assert_eq!(
        leftovers(&t),
        Vec::<String>::new(),
        "no staging directory is left"
    );
    assert_original_index(&t, &fingerprint, &tables, "after the completed rebuild");
    assert_eq!(counts(&ix), (40_000, 40_000, 0));
}
