//! A temporary directory per test and a way to run the binary in it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (where Cargo.toml is).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture file or directory.
/// Writes `out` in `t`: `scale` copies of the 1,000 fixture tweets with fresh ids
/// (`replyscope bench-corpus`), for tests that need full row groups or long builds.
pub fn bench_corpus(t: &TestDir, scale: u32, out: &str) {
    let twcs = fixture("corpora/twcs_head1000.csv");
    let o = t.run([
        "bench-corpus",
        "--from",
        twcs.to_str().unwrap(),
        "--scale",
        &scale.to_string(),
        "--out",
        out,
    ]);
    assert_eq!(o.code, 0, "{o:?}");
}

pub fn fixture(rel: &str) -> PathBuf {
    repo().join("tests/fixtures").join(rel)
}

/// The output of one run.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Exit code, stdout and stderr together, with the temp dir replaced, for snapshots.
    pub fn render(&self, tmp: &Path) -> String {
        let clean = |s: &str| {
            s.replace(&tmp.display().to_string(), "[TMP]")
                .replace(&repo().display().to_string(), "[REPO]")
                .replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
        };
        format!(
            "exit: {}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.code,
            clean(&self.stdout),
            clean(&self.stderr)
        )
    }
}

/// A fresh temporary directory that runs the binary with a cleared environment.
pub struct TestDir {
    pub dir: tempfile::TempDir,
}

/// The command `replyscope ARGS` in `cwd` with a cleared environment (only PATH), not started.
fn command_in<I, S>(cwd: &Path, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut c = Command::new(env!("CARGO_BIN_EXE_replyscope"));
    c.args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    c
}

impl TestDir {
    pub fn new() -> TestDir {
        TestDir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `replyscope ARGS` with the temp dir as working directory.
    pub fn run<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.run_in(self.path(), args)
    }

    /// Runs `replyscope ARGS` in `cwd`.
    pub fn run_in<I, S>(&self, cwd: &Path, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let out = command_in(cwd, args).output().expect("run replyscope");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }

    /// The command `replyscope ARGS` in the temp dir with a cleared environment, not started.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        command_in(self.path(), args)
    }

    /// Runs `replyscope ARGS` like [`TestDir::run`], but kills it and fails the test when it
    /// is not done within `limit` (a hang must fail, not stall the suite). Returns the output
    /// and how long it took.
    pub fn run_within<I, S>(
        &self,
        limit: std::time::Duration,
        args: I,
    ) -> (Output, std::time::Duration)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        use std::io::Read;
        let start = std::time::Instant::now();
        let mut child = self
            .command(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start replyscope");
        // Read both pipes on threads so a chatty child never blocks on a full pipe.
        let pipe = |mut r: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut s = String::new();
                r.read_to_string(&mut s).expect("output is UTF-8");
                s
            })
        };
        let out = pipe(Box::new(child.stdout.take().unwrap()));
        let err = pipe(Box::new(child.stderr.take().unwrap()));
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for replyscope") {
                break status;
            }
            if start.elapsed() > limit {
                child.kill().ok();
                child.wait().ok();
                panic!("replyscope did not finish within {limit:?} (killed)");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let took = start.elapsed();
        let output = Output {
            code: status.code().unwrap_or(-1),
            stdout: out.join().unwrap(),
            stderr: err.join().unwrap(),
        };
        (output, took)
    }

    /// Indexes a ready manifest from corpus/ on a fixture file into `out` (relative to the temp dir).
    pub fn index_data(&self, manifest: &str, data: &str, out: &str) -> Output {
        self.index_file(manifest, &fixture(data), out)
    }

    /// Indexes the fixture tweets (`corpora/twcs_head1000.csv`, `corpus/twcs.toml`) into
    /// `ix`, as the query, cells and report tests read them: exit code 0, or 1 when some
    /// records were rejected.
    pub fn index_fixture_tweets(&self) {
        assert!(
            self.index_data("twcs.toml", "corpora/twcs_head1000.csv", "ix")
                .code
                <= 1
        );
    }

    /// Indexes a ready manifest from corpus/ on any data file into `out`.
    pub fn index_file(&self, manifest: &str, data: &Path, out: &str) -> Output {
        let manifest = repo().join("corpus").join(manifest);
        self.run([
            "index".as_ref(),
            "--corpus".as_ref(),
            manifest.as_os_str(),
            "--data".as_ref(),
            data.as_os_str(),
            "--out".as_ref(),
            out.as_ref(),
        ])
    }

    /// Writes a file under the temp dir.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, contents).unwrap();
        p
    }
}

/// The index manifest of an index directory.
pub fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("manifest.json"))
        .unwrap()
}

/// (records, documents, rejects) from an index manifest.
pub fn counts(dir: &Path) -> (u64, u64, u64) {
    let m = manifest(dir);
    let c = &m["counts"];
    (
        c["records"].as_u64().unwrap(),
        c["documents"].as_u64().unwrap(),
        c["rejects"].as_u64().unwrap(),
    )
}

/// Every line of rejects.jsonl.
pub fn rejects(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("rejects.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Each reject of an index directory as (file, line, reason).
pub fn reject_places(dir: &Path) -> Vec<(String, Option<u64>, String)> {
    rejects(dir)
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_string(),
                r["line"].as_u64(),
                r["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A Parquet table of an index directory.
/// Tables other than documents store document numbers (`doc`): a `doc_id` column with each
/// row's document id is added to them.
pub fn table(dir: &Path, name: &str) -> polars::prelude::DataFrame {
    use polars::prelude::*;
    let read = |name: &str| {
        let f = std::fs::File::open(dir.join("tables").join(format!("{name}.parquet"))).unwrap();
        ParquetReader::new(f).finish().unwrap()
    };
    let mut df = read(name);
    if name != "documents" && df.schema().contains("doc") {
        let docs = read("documents");
        // A document's number is its row.
        let ids: Vec<Option<String>> = docs
            .column("id")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect();
        let doc_id: Vec<Option<String>> = df
            .column("doc")
            .unwrap()
            .u32()
            .unwrap()
            .iter()
            .map(|n| n.and_then(|n| ids[n as usize].clone()))
            .collect();
        df.with_column(Column::new("doc_id".into(), doc_id))
            .unwrap();
    }
    df
}

/// The string value of `column` in the row whose id is `id` (a table without an `id`
/// column: whose document id is `id`).
pub fn cell(df: &polars::prelude::DataFrame, id: &str, column: &str) -> Option<String> {
    let key = if df.schema().contains("id") {
        "id"
    } else {
        "doc_id"
    };
    let ids = df.column(key).unwrap().str().unwrap();
    let row = ids.iter().position(|v| v == Some(id))?;
    let v = df.column(column).unwrap().get(row).unwrap();
    match v {
        polars::prelude::AnyValue::Null => None,
        polars::prelude::AnyValue::String(s) => Some(s.to_string()),
        other => Some(other.to_string()),
    }
}

/// A test whose tool is missing: locally one loud line saying how to install it, and the
/// test passes; under CI (`CI=true`, where .ci/run installs every tool) a failure.
pub fn tool_missing(what: &str, install: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what} is missing under CI=true (install: {install})");
    }
    eprintln!("\n!!!!! skipped: {what} is not available (install: {install}) !!!!!\n");
}
