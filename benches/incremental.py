#!/usr/bin/env python3
"""Cost of an incremental build (issue 14): adding 1% new tweets to a large index, against a
full build of the same corpus. One command:

    python3 benches/incremental.py --twcs ../shared/corpora/twcs/twcs_head_first1000.csv --scale 1000

Builds with `replyscope bench-corpus` a corpus of SCALE copies of the sample plus SCALE/100
more (fresh ids, reply links kept within each copy), and splits it into days/base.csv (the
first SCALE copies) and days/new.csv (the 1%). Then, RUNS times, alternating: a full build of
both files (timed), a build of base.csv alone (not timed), and the incremental build that
adds new.csv to it (timed); wall time and peak RSS from /usr/bin/time -v. Checks that the
incremental index's tables equal the full build's byte for byte. Prints medians for
BENCHMARKS.md and deletes the corpus and indexes at the end.
"""
import argparse, csv, filecmp, pathlib, re, shutil, statistics, subprocess, sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
TABLES = ["documents", "mentions", "interactions", "threads"]
MANIFEST = """version = 1
name = "twcs-days"

[[source]]
name = "twcs"
path = "days/*.csv"
format = "csv"
kind = "tweet"
channel = "twitter"
html_entities = true

[source.fields]
id = "tweet_id"
text = "text"
author = "author_id"
created_at = "created_at"
in_reply_to = "in_response_to_tweet_id"
replies = "response_tweet_id"
inbound = "inbound"
"""


def timed(cmd, **kw):
    """Runs cmd under /usr/bin/time -v; returns (wall seconds, peak RSS MiB, stderr)."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, **kw)
    if p.returncode not in (0, 1):
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    h, m, s = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", p.stderr).groups()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    return int(h or 0) * 3600 + int(m) * 60 + float(s), rss, p.stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--twcs", default=str(ROOT.parent / "shared/corpora/twcs/twcs_head_first1000.csv"))
    ap.add_argument("--scale", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default="/tmp/replyscope-incremental-bench")
    ap.add_argument("--bin", default=str(ROOT / "target/release/replyscope"))
    a = ap.parse_args()
    work = pathlib.Path(a.work)
    shutil.rmtree(work, ignore_errors=True)
    (work / "days").mkdir(parents=True)
    (work / "corpus.toml").write_text(MANIFEST)
    extra = max(1, a.scale // 100)
    allcsv = work / "all.csv"
    subprocess.run([a.bin, "bench-corpus", "--from", a.twcs, "--scale", str(a.scale + extra), "--out", str(allcsv)],
                   check=True, capture_output=True)
    # Copy k of the sample holds its rows in order: the first scale copies are the base.
    per_copy = sum(1 for _ in csv.reader(open(a.twcs, newline=""))) - 1
    with open(allcsv, newline="") as f:
        rd = csv.reader(f)
        header = next(rd)
        with open(work / "days/base.csv", "w", newline="") as b, open(work / "days/new.csv", "w", newline="") as n:
            wb, wn = csv.writer(b), csv.writer(n)
            wb.writerow(header)
            wn.writerow(header)
            for i, row in enumerate(rd):
                (wb if i < per_copy * a.scale else wn).writerow(row)
    allcsv.unlink()
    new = work / "days/new.csv"
    parked = work / "new.csv"
    full_t, full_r, inc_t, inc_r = [], [], [], []
    for run in range(a.runs):
        shutil.rmtree(work / "full", ignore_errors=True)
        t, r, _ = timed([a.bin, "index", "--quiet", "--corpus", "corpus.toml", "--out", "full", "--full"], cwd=work)
        full_t.append(t)
        full_r.append(r)
        shutil.rmtree(work / "ix", ignore_errors=True)
        new.rename(parked)
        subprocess.run([a.bin, "index", "--quiet", "--corpus", "corpus.toml", "--out", "ix"], cwd=work, check=True)
        parked.rename(new)
        t, r, err = timed([a.bin, "index", "--corpus", "corpus.toml", "--out", "ix"], cwd=work)
        if "updated ix" not in err:
            sys.exit(f"not an incremental build:\n{err}")
        inc_t.append(t)
        inc_r.append(r)
        for tab in TABLES:
            if not filecmp.cmp(work / "full/tables" / f"{tab}.parquet", work / "ix/tables" / f"{tab}.parquet", shallow=False):
                sys.exit(f"{tab}.parquet differs between the incremental and the full build")
        print(f"run {run + 1}: full {full_t[-1]:.2f} s ({full_r[-1]:.0f} MiB), "
              f"incremental {inc_t[-1]:.2f} s ({inc_r[-1]:.0f} MiB); tables identical", file=sys.stderr)
    import json
    m = json.load(open(work / "ix/manifest.json"))
    docs = m["counts"]["documents"]
    added = next(f for f in m["inputs"] if f["file"].endswith("new.csv"))["documents"]
    ft, it = statistics.median(full_t), statistics.median(inc_t)
    print(f"| corpus | tweets | added | full build (median s) | incremental (median s) | ratio | full peak RSS (MiB) | incremental peak RSS (MiB) |")
    print(f"|---|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {a.scale}x + {extra}x | {docs:,} | {added:,} | {ft:.2f} | {it:.2f} | {it / ft:.3f} | {max(full_r):.0f} | {max(inc_r):.0f} |")
    print(f"\nfull runs: {', '.join(f'{t:.2f}' for t in full_t)}; incremental runs: {', '.join(f'{t:.2f}' for t in inc_t)}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
