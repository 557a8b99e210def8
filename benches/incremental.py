#!/usr/bin/env python3
"""Cost of an incremental build (issue 14): adding 1% new tweets to a large index, against a
full build of the same corpus. One command:

    python3 benches/incremental.py --twcs ../shared/corpora/twcs/twcs_head_first1000.csv --scale 1000

Without ../shared, pass any twcs-format CSV with --twcs (e.g. tests/fixtures/corpora/twcs_head1000.csv).

Builds with `replyscope bench-corpus` a corpus of SCALE copies of the sample plus SCALE/100
more (fresh ids, reply links kept within each copy), and splits it into days/base.csv (the
first SCALE copies) and days/new.csv (the 1%). Builds base.csv alone once (not timed). Then,
RUNS times, alternating: a full build of both files (timed), and the incremental build that
adds new.csv to a copy of the base index (timed, with REPLYSCOPE_TIMINGS=1 for the stage
times); wall time, CPU time and peak RSS from /usr/bin/time -v. Checks that the incremental
index's tables equal the full build's byte for byte. Prints medians for BENCHMARKS.md, writes
every run (with the commit and the machine) to benches/results/DATE-COMMIT-incremental.json,
and deletes the corpus and indexes at the end.
"""
import argparse, csv, datetime, filecmp, json, pathlib, re, shutil, statistics, subprocess, sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from pipeline import commit, machine  # noqa: E402

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
    """Runs cmd under /usr/bin/time -v; returns {wall, cpu, rss (MiB)} and stderr."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, **kw)
    if p.returncode not in (0, 1):
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    h, m, s = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", p.stderr).groups()
    num = lambda pat: float(re.search(pat, p.stderr).group(1))
    cpu = num(r"User time \(seconds\): ([\d.]+)") + num(r"System time \(seconds\): ([\d.]+)")
    rss = num(r"Maximum resident set size \(kbytes\): (\d+)") / 1024
    wall = int(h or 0) * 3600 + int(m) * 60 + float(s)
    return {"wall": round(wall, 3), "cpu": round(cpu, 2), "rss": round(rss, 1)}, p.stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--twcs", default=str(ROOT.parent / "shared/corpora/twcs/twcs_head_first1000.csv"))
    ap.add_argument("--scale", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default="/tmp/replyscope-incremental-bench")
    ap.add_argument("--bin", default=str(ROOT / "target/release/replyscope"))
    ap.add_argument("--results", default=str(ROOT / "benches/results"), help="folder of the JSON results file")
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
    started = datetime.datetime.now()
    new.rename(parked)
    subprocess.run([a.bin, "index", "--quiet", "--corpus", "corpus.toml", "--out", "base"], cwd=work, check=True)
    parked.rename(new)
    env = dict(__import__("os").environ, REPLYSCOPE_TIMINGS="1")
    full, inc = [], []
    for run in range(a.runs):
        shutil.rmtree(work / "full", ignore_errors=True)
        r, _ = timed([a.bin, "index", "--quiet", "--corpus", "corpus.toml", "--out", "full", "--full"], cwd=work)
        full.append(r)
        shutil.rmtree(work / "ix", ignore_errors=True)
        shutil.copytree(work / "base", work / "ix")
        subprocess.run(["sync"])
        r, err = timed([a.bin, "index", "--corpus", "corpus.toml", "--out", "ix"], cwd=work, env=env)
        if "updated ix" not in err:
            sys.exit(f"not an incremental build:\n{err}")
        r["stages"] = [l.split(None, 3)[1::2] for l in err.splitlines() if l.startswith("timing:")]
        inc.append(r)
        for tab in TABLES:
            if not filecmp.cmp(work / "full/tables" / f"{tab}.parquet", work / "ix/tables" / f"{tab}.parquet", shallow=False):
                sys.exit(f"{tab}.parquet differs between the incremental and the full build")
        print(f"run {run + 1}: full {full[-1]['wall']:.2f} s ({full[-1]['rss']:.0f} MiB), "
              f"incremental {inc[-1]['wall']:.2f} s ({inc[-1]['rss']:.0f} MiB); tables identical", file=sys.stderr)
    m = json.load(open(work / "ix/manifest.json"))
    docs = m["counts"]["documents"]
    added = next(f for f in m["inputs"] if f["file"].endswith("new.csv"))["documents"]
    med = lambda runs, k="wall": statistics.median(r[k] for r in runs)
    ft, it = med(full), med(inc)
    print("| corpus | tweets | added | full build (median s) | incremental (median s) | ratio | full peak RSS (MiB) | incremental peak RSS (MiB) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {a.scale}x + {extra}x | {docs:,} | {added:,} | {ft:.2f} | {it:.2f} | {it / ft:.3f} | "
          f"{max(r['rss'] for r in full):.0f} | {max(r['rss'] for r in inc):.0f} |")
    walls = lambda runs: ", ".join(f"{r['wall']:.2f}" for r in runs)
    print(f"\nfull runs: {walls(full)}; incremental runs: {walls(inc)}")
    print("stages of the median incremental run:")
    mid = sorted(inc, key=lambda r: r["wall"])[len(inc) // 2]
    for t, name in mid["stages"]:
        print(f"    {t:>8} s  {name}")
    result = {"started": started.isoformat(timespec="seconds"), **commit(), "machine": machine(),
              "scale": a.scale, "added_scale": extra, "documents": docs, "added": added,
              "full": full, "incremental": inc}
    res = pathlib.Path(a.results)
    res.mkdir(parents=True, exist_ok=True)
    path = res / f"{started.strftime('%Y-%m-%dT%H%M')}-{result['commit'][:7]}-incremental.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\nraw results: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
