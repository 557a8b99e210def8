#!/usr/bin/env python3
"""Where `replyscope index` spends its CPU, by stage (issue 13). One command:

    python3 benches/profile_stages.py --csv TWEETS.csv

TWEETS.csv is a tweets CSV in the twcs format, e.g. one `benches/pipeline.py` built
(/tmp/replyscope-bench/twcs_x100.csv is 100,000 tweets) or `replyscope bench-corpus --from
../shared/corpora/twcs/twcs_head_first1000.csv --scale 300 --out t300.csv`; without ../shared,
tests/fixtures/corpora/twcs_head1000.csv works but is too small to say much. Needs `perf`
(Debian: linux-perf) and the release binary (`cargo build --release`).

Runs `perf record --call-graph dwarf` on one `replyscope index --corpus corpus/twcs.toml`,
reads the samples with `perf script`, and puts each sample of the main process in the
innermost stage its call stack passes through (tagging, tantivy documents, the hand-off to
the writers, the thread stage, the Parquet tables, reading records, start-up, dropping
documents); samples of tantivy's own threads go by thread name. Type parameters are stripped
from the frames before matching: a closure's name such as `call<..., Option<PostDraft>>` is
not the thread stage. Within tagging it splits out the rules' searches, companies (and the
gazetteer's scan), sentiment, the literal pass and sentence spans: those are inlined into
the tagger, and perf gives up naming inlined frames when its addr2line calls time out, so
between two runs of one binary the parts of tagging can trade several points (companies 3.9%
in one run of 100,000 tweets, 8.5% in the next, "the rest of tagging" taking the difference);
the stages hardly move. `perf script` takes minutes (about 6 for 100,000 tweets). Prints the
shares and writes them, with the commit, the machine and the sample count, to
benches/results/DATE-COMMIT-profile.json.
"""
import argparse, collections, datetime, json, pathlib, shutil, subprocess, sys, tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from pipeline import commit, machine  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent

# (stage, a string of the frame's name without type parameters), innermost match wins.
STAGES = [
    ("start-up (rules, gazetteer, models)", "Lexicons::load"),
    ("tagging", "Lexicons::tag"),
    ("tantivy documents", "tantivy_doc"),
    ("thread stage", "threads::interactions"),
    ("thread stage", "ThreadStore::links"),
    ("thread stage", "index::threads::"),
    ("Parquet tables", "TableWriter"),
    ("Parquet tables", "tables::"),
    ("reading and mapping records", "ingest::"),
    ("hand-off to the writers (with the thread store)", "Out::hand_off"),
    ("preparing documents", "index::prepare"),
    ("dropping documents", "drop_in_place"),
]
# Parts of tagging: the outermost frame under the tagger that names one.
TAG_PARTS = [
    ("rules' regex searches", "rule_tags"),
    ("companies", "company_tags"),
    ("sentiment", "sentiment::tags"),
    ("literal pass", "Prefilter::hits"),
    ("literal pass", "hits (inlined)"),
    ("sentence spans", "text::sentences"),
]
TANTIVY_THREADS = ("thrd-tantivy", "docstore", "merge_thread", "tantivy")


def strip_types(frame):
    out, depth = [], 0
    for ch in frame:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def samples(lines):
    """(thread name, frames from the leaf out) per sample of `perf script -F comm,tid,ip,sym`."""
    comm, frames = None, []
    for line in lines:
        if not line.strip():
            if comm is not None:
                yield comm, frames
            comm, frames = None, []
        elif line[0] not in " \t":
            comm, frames = line.split()[0], []
        elif comm is not None:
            parts = line.strip().split(None, 1)
            frames.append(strip_types(parts[1]) if len(parts) > 1 else "?")
    if comm is not None:
        yield comm, frames


def classify(stream):
    stages, tagging, total = collections.Counter(), collections.Counter(), 0
    for comm, frames in stream:
        total += 1
        if comm.startswith(TANTIVY_THREADS):
            name = "tantivy's document store" if comm.startswith("docstore") else "tantivy's indexing threads"
            stages[name] += 1
            continue
        stage = next((s for f in frames for s, m in STAGES if m in f), "other")
        stages[stage] += 1
        if stage == "tagging":
            # The outermost named part: frames run from the leaf outwards.
            part = next((p for f in reversed(frames) for p, m in TAG_PARTS if m in f), "the rest of tagging")
            tagging[part] += 1
    return stages, tagging, total


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", required=True, help="tweets CSV in the twcs format")
    ap.add_argument("--bin", default=str(ROOT / "target/release/replyscope"))
    ap.add_argument("--frequency", type=int, default=999, help="samples per second per thread")
    ap.add_argument("--results", default=str(ROOT / "benches/results"))
    a = ap.parse_args()
    if not shutil.which("perf"):
        sys.exit("profile_stages.py: perf is not installed (Debian: apt-get install linux-perf)")
    data = pathlib.Path(a.csv).resolve()
    if not data.is_file():
        sys.exit(f"profile_stages.py: {a.csv}: no such file (expected a tweets CSV in the twcs format)")
    if not pathlib.Path(a.bin).is_file():
        sys.exit(f"profile_stages.py: {a.bin}: no such binary (run `cargo build --release`, or pass --bin)")
    with tempfile.TemporaryDirectory(prefix="replyscope-profile-") as tmp:
        tmp = pathlib.Path(tmp)
        record = [
            "perf", "record", "-F", str(a.frequency), "--call-graph", "dwarf,32768",
            "-o", str(tmp / "perf.data"), a.bin, "index", "--corpus", "corpus/twcs.toml",
            "--data", str(data), "--out", str(tmp / "index"),
        ]
        done = subprocess.run(record, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            sys.exit(f"profile_stages.py: perf record of `replyscope index` failed:\n{done.stderr[-2000:]}")
        script = subprocess.Popen(
            ["perf", "script", "-F", "comm,tid,ip,sym", "-i", str(tmp / "perf.data")],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, errors="replace",
        )
        stages, tagging, total = classify(samples(script.stdout))
        script.wait()
    if total == 0:
        sys.exit("profile_stages.py: perf recorded no samples")
    share = lambda n: round(100 * n / total, 1)
    print(f"`index` of {data.name}: {total} samples")
    for stage, n in stages.most_common():
        print(f"  {share(n):5.1f}%  {stage}")
    print("within tagging (shares of all samples):")
    for part, n in tagging.most_common():
        print(f"  {share(n):5.1f}%  {part}")
    now = datetime.datetime.now(datetime.timezone.utc)
    rev = commit()
    out = pathlib.Path(a.results) / f"{now:%Y-%m-%dT%H%M}-{rev['commit'][:7]}-profile.json"
    out.write_text(json.dumps({
        "what": "perf record --call-graph dwarf of `replyscope index --corpus corpus/twcs.toml`; "
                "share of all samples by stage (innermost stage on the stack; tantivy's threads by name)",
        "data": str(data), **rev, "machine": machine(),
        "date": now.isoformat(timespec="minutes"), "frequency": a.frequency, "samples": total,
        "stages_percent": {s: share(n) for s, n in stages.most_common()},
        "tagging_parts_percent": {p: share(n) for p, n in tagging.most_common()},
    }, indent=1) + "\n")
    print(f"raw results: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
