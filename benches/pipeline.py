#!/usr/bin/env python3
"""End-to-end benchmarks of the release binary (issue: performance). One command:

    python3 benches/pipeline.py --twcs ../shared/corpora/twcs/twcs_head_first1000.csv

--twcs is a tweets CSV in the twcs format (the shared 1,000-tweet slice by default; without
../shared, pass any twcs.csv). It builds corpora of 1x, 10x, 100x and 3000x that sample
(3 million tweets) with `replyscope bench-corpus`, then for each scale, RUNS times
alternately: `replyscope index` (ingest, tag, index, tables) and `replyscope bench-baseline`
(bare tantivy, same text field options, one commit), with wall time and peak RSS from
/usr/bin/time -v. At the top scale it times the queries/ batch against DuckDB running
the SQL `replyscope sql --dialect duckdb` generates for them on the same Parquet tables (and
checks with benches/check_sql.py that every cell agrees), and the 100 searches
of benches/searches.txt. Prints a Markdown report (medians) for BENCHMARKS.md.
"""
import argparse, os, pathlib, re, shutil, statistics, subprocess, sys, time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def timed(cmd, **kw):
    """Runs cmd under /usr/bin/time -v; returns (wall seconds, peak RSS MiB)."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, **kw)
    if p.returncode not in (0, 1):
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", p.stderr)
    h, m, s = wall.groups()
    secs = int(h or 0) * 3600 + int(m) * 60 + float(s)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    return secs, rss


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--twcs", default=str(ROOT.parent / "shared/corpora/twcs/twcs_head_first1000.csv"))
    ap.add_argument("--scales", default="1,10,100,3000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default="/tmp/replyscope-bench")
    ap.add_argument("--bin", default=str(ROOT / "target/release/replyscope"))
    ap.add_argument("--skip-build", action="store_true")
    a = ap.parse_args()
    if not pathlib.Path(a.twcs).exists():
        sys.exit(f"{a.twcs}: not found; pass --twcs path/to/twcs.csv (the shared slice or the full Kaggle file)")
    if not a.skip_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    work = pathlib.Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    rb = a.bin
    scales = [int(s) for s in a.scales.split(",")]
    rows = []
    for scale in scales:
        data = work / f"twcs_x{scale}.csv"
        if not data.exists():
            subprocess.run([rb, "bench-corpus", "--from", a.twcs, "--scale", str(scale), "--out", str(data)], check=True, capture_output=True)
        n = sum(1 for _ in open(data, newline="")) and None
        ours, base = [], []
        for run in range(a.runs):
            for kind in ("index", "baseline"):
                out = work / f"{kind}_x{scale}"
                shutil.rmtree(out, ignore_errors=True)
                if kind == "index":
                    cmd = [rb, "index", "--quiet", "--corpus", str(ROOT / "corpus/twcs.toml"), "--data", str(data), "--out", str(out)]
                    ours.append(timed(cmd))
                else:
                    cmd = [rb, "bench-baseline", "--data", str(data), "--out", str(out)]
                    base.append(timed(cmd))
        import json
        docs = json.load(open(work / f"index_x{scale}" / "manifest.json"))["counts"]["documents"]
        mt, mr = statistics.median(t for t, _ in ours), max(r for _, r in ours)
        bt, br = statistics.median(t for t, _ in base), max(r for _, r in base)
        rows.append((scale, docs, mt, bt, mt / bt, mr, br, mt / docs * 1e6))
        print(f"x{scale}: {docs} tweets  index {mt:.2f}s  baseline {bt:.2f}s  ratio {mt/bt:.2f}  peak {mr:.0f} MiB (baseline {br:.0f})", file=sys.stderr)
    print("| scale | tweets | index (median s) | bare tantivy (median s) | ratio | index peak RSS (MiB) | baseline peak RSS (MiB) | index µs/tweet |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for s, d, mt, bt, ratio, mr, br, per in rows:
        print(f"| {s}x | {d:,} | {mt:.2f} | {bt:.2f} | {ratio:.2f} | {mr:.0f} | {br:.0f} | {per:.1f} |")
    top = max(scales)
    ix = work / f"index_x{top}"
    # Query batch against DuckDB on the same tables.
    queries = sorted(str(p) for p in (ROOT / "queries").glob("*.toml"))
    qt = []
    for run in range(a.runs):
        out = work / "query_out"
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.perf_counter()
        subprocess.run([rb, "query", str(ix), *queries, "--out", str(out), "--format", "csv"], check=True, capture_output=True)
        qt.append(time.perf_counter() - t0)
    import duckdb, json
    # The SQL replyscope generates for the same query files (`replyscope sql --dialect duckdb`).
    gen = subprocess.run([rb, "sql", *queries, "--dialect", "duckdb", "--json", "--tables", str(ix / "tables")],
                         check=True, capture_output=True, text=True)
    sqls = [s["sql"] for s in json.loads(gen.stdout)]
    dt = []
    for run in range(a.runs):
        t0 = time.perf_counter()
        con = duckdb.connect()
        for sql in sqls:
            con.sql(sql).fetchall()
        dt.append(time.perf_counter() - t0)
    check = subprocess.run([sys.executable, str(ROOT / "benches/check_sql.py"), str(ix), str(work / "query_out"), rb, *queries], capture_output=True, text=True)
    print(f"\nQuery batch ({len(queries)} query files) on the {top}x index: replyscope {statistics.median(qt):.3f} s, "
          f"DuckDB {statistics.median(dt):.3f} s (medians of {a.runs}); ratio {statistics.median(qt)/statistics.median(dt):.2f}")
    print("SQL check:\n" + "\n".join("    " + l for l in check.stdout.strip().splitlines()))
    s = subprocess.run([rb, "bench-search", str(ix), "--queries", str(ROOT / "benches/searches.txt"), "--passes", "3"], capture_output=True, text=True, check=True)
    print(f"\nSearch on the {top}x index: {s.stdout.strip()}")


if __name__ == "__main__":
    main()
