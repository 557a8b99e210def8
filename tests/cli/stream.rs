//! `tag --stream` (issue 11): the tagger as a streaming worker behind a pipe.

use super::util::*;
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

fn doc(i: usize, pad: usize) -> String {
    serde_json::json!({
        "id": format!("t:{i}"),
        "text": format!("@AppleSupport my phone {i} died again, please help {}", "x".repeat(pad)),
        "shape": "short",
        "channel": "twitter",
        "author": format!("user{i}"),
        "created_at": "2017-10-31T22:10:47Z",
    })
    .to_string()
}

/// Answers come one per line as each line goes in: the worker does not wait for the end of
/// its input (or for a batch to fill) before answering; a broken line gets an error line in
/// its place; the end of input ends it with status 0.
#[test]
fn answers_each_line_before_the_next_arrives() {
    let t = TestDir::new();
    let mut child = t
        .command(["tag", "--stream", "--threads", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let lines = [
        doc(1, 0),
        "{\"id\": \"t:2\", \"text\": }".to_string(),
        doc(3, 0),
        "{\"id\": \"t:4\"}".to_string(),
    ];
    for (k, l) in lines.iter().enumerate() {
        writeln!(stdin, "{l}").unwrap();
        stdin.flush().unwrap();
        let mut answer = String::new();
        stdout.read_line(&mut answer).unwrap();
        let a: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(a["line"], k + 1, "{answer}");
        match k {
            0 | 2 => {
                assert_eq!(a["id"], format!("t:{}", k + 1));
                assert!(a.get("error").is_none(), "{answer}");
                assert_eq!(a["interactions"][0]["company"], "apple", "{answer}");
                assert_eq!(a["interactions"][0]["first_channel"], "twitter");
            }
            1 => assert!(
                a["error"].as_str().unwrap().starts_with("not JSON"),
                "{answer}"
            ),
            _ => {
                assert_eq!(a["id"], "t:4");
                assert_eq!(a["error"], "missing field `text`");
            }
        }
    }
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert_eq!(rest, "", "nothing after the last answer");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "replyscope: tag --stream: 4 lines, 2 answered with an error\n"
    );
}

/// Peak resident memory of a process, from /proc (Linux).
#[cfg(target_os = "linux")]
fn peak_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status")
}

/// 60 MB of documents stream through while the peak memory grows by far less than that:
/// the worker holds a batch, never the stream. Answers keep input order.
#[cfg(target_os = "linux")]
#[test]
fn memory_stays_bounded_and_order_kept_over_a_long_stream() {
    let t = TestDir::new();
    let mut child = t
        .command(["tag", "--stream", "--threads", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (n, pad) = (30_000, 2_000);
    let (go_on, wait) = std::sync::mpsc::channel::<()>();
    let writer = std::thread::spawn(move || {
        let mut w = std::io::BufWriter::new(&mut stdin);
        for i in 0..n {
            writeln!(w, "{}", doc(i, pad)).unwrap();
        }
        w.flush().unwrap();
        drop(w);
        // Keep the pipe open until the peak is read, so the worker is still alive.
        wait.recv().unwrap();
        drop(stdin);
    });
    let mut early = 0;
    let mut seen = 0;
    for (k, line) in stdout.lines().enumerate() {
        let line = line.unwrap();
        let a: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(a["id"], format!("t:{k}"), "answers in input order");
        assert!(a.get("error").is_none(), "{line}");
        seen += 1;
        if k == 1_000 {
            early = peak_kib(pid);
        }
        if seen == n {
            let late = peak_kib(pid);
            let input_kib = (n * pad / 1024) as u64;
            assert!(
                late < early + input_kib / 3,
                "peak grew from {early} KiB to {late} KiB over {input_kib} KiB of input"
            );
            go_on.send(()).unwrap();
        }
    }
    assert_eq!(seen, n);
    writer.join().unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
