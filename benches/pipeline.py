#!/usr/bin/env python3
"""End-to-end benchmarks of the release binary (issue: performance). One command:

    python3 benches/pipeline.py --twcs ../shared/corpora/twcs/twcs_head_first1000.csv

--twcs is a tweets CSV in the twcs format (the shared 1,000-tweet slice by default; without
../shared, pass any twcs.csv). It builds corpora of 1x, 10x, 100x and 3000x that sample
(3 million tweets) with `replyscope bench-corpus`, then for each scale, RUNS times
alternately: `replyscope index` (ingest, tag, index, tables) and `replyscope bench-baseline`
(bare tantivy, same text field options, one commit), with wall time, CPU time (user + system)
and peak RSS from /usr/bin/time -v. At the top scale it times, alternately, the queries/
batch (`replyscope query`), DuckDB running the SQL `replyscope sql --dialect duckdb` generates
for the same query files on the same Parquet tables (benches/duckdb_batch.py; check_sql.py
checks that every cell agrees) and the pandas script a researcher
would write instead (benches/pandas_script.py, on the CSV), then the 100 searches of
benches/searches.txt. Prints a Markdown report (medians) for BENCHMARKS.md and writes every
run, with the commit and the machine, to benches/results/DATE-COMMIT.json.
"""
import argparse, datetime, json, os, pathlib, platform, re, shutil, statistics, subprocess, sys, time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def timed(cmd, **kw):
    """Runs cmd under /usr/bin/time -v; returns {wall, cpu, rss}: seconds of wall time,
    seconds of CPU (user + system) and peak RSS in MiB."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, **kw)
    wall = time.perf_counter() - t0
    if p.returncode not in (0, 1):
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    num = lambda pat: float(re.search(pat, p.stderr).group(1))
    cpu = num(r"User time \(seconds\): ([\d.]+)") + num(r"System time \(seconds\): ([\d.]+)")
    rss = num(r"Maximum resident set size \(kbytes\): (\d+)") / 1024
    return {"wall": round(wall, 4), "cpu": round(cpu, 3), "rss": round(rss, 1)}


def machine():
    """What the numbers were measured on."""
    cpu = ""
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
    return {"cpu": cpu, "cores": os.cpu_count(), "mem_gib": round(int(mem) / 2**20, 1),
            "kernel": platform.release(), "host": platform.node()}


def commit():
    git = lambda *a: subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def med(runs, key="wall"):
    return statistics.median(r[key] for r in runs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--twcs", default=str(ROOT.parent / "shared/corpora/twcs/twcs_head_first1000.csv"))
    ap.add_argument("--scales", default="1,10,100,3000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default="/tmp/replyscope-bench")
    ap.add_argument("--bin", default=str(ROOT / "target/release/replyscope"))
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--reuse-index", action="store_true", help="keep an index built by an earlier run at the top scale: time only queries, pandas and search")
    ap.add_argument("--results", default=str(ROOT / "benches/results"), help="folder of the JSON results file")
    a = ap.parse_args()
    if not pathlib.Path(a.twcs).exists():
        sys.exit(f"{a.twcs}: not found; pass --twcs path/to/twcs.csv (the shared slice or the full Kaggle file)")
    if not a.skip_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    work = pathlib.Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    rb = a.bin
    scales = [int(s) for s in a.scales.split(",")]
    started = datetime.datetime.now(datetime.timezone.utc)
    result = {"started": started.isoformat(timespec="seconds"), **commit(), "machine": machine(),
              "binary": rb, "twcs": a.twcs, "runs_per_scale": a.runs, "scales": [], "queries": None, "search": None}
    rows = []
    for scale in scales:
        data = work / f"twcs_x{scale}.csv"
        if not data.exists():
            subprocess.run([rb, "bench-corpus", "--from", a.twcs, "--scale", str(scale), "--out", str(data)], check=True, capture_output=True)
        if a.reuse_index and scale == max(scales) and (work / f"index_x{scale}" / "manifest.json").exists():
            continue
        runs = []
        for run in range(a.runs):
            for kind in ("index", "baseline"):
                out = work / f"{kind}_x{scale}"
                shutil.rmtree(out, ignore_errors=True)
                if kind == "index":
                    cmd = [rb, "index", "--quiet", "--corpus", str(ROOT / "corpus/twcs.toml"), "--data", str(data), "--out", str(out)]
                else:
                    cmd = [rb, "bench-baseline", "--data", str(data), "--out", str(out)]
                runs.append({"kind": kind, "run": run, **timed(cmd)})
        docs = json.load(open(work / f"index_x{scale}" / "manifest.json"))["counts"]["documents"]
        ours = [r for r in runs if r["kind"] == "index"]
        base = [r for r in runs if r["kind"] == "baseline"]
        result["scales"].append({"scale": scale, "tweets": docs, "csv_bytes": data.stat().st_size, "runs": runs})
        mt, bt = med(ours), med(base)
        mr, br = max(r["rss"] for r in ours), max(r["rss"] for r in base)
        rows.append((scale, docs, mt, med(ours, "cpu"), bt, mt / bt, mr, br, mt / docs * 1e6))
        print(f"x{scale}: {docs} tweets  index {mt:.2f}s  baseline {bt:.2f}s  ratio {mt/bt:.2f}  peak {mr:.0f} MiB (baseline {br:.0f})", file=sys.stderr)
    if rows:
        print("| scale | tweets | index (median s) | index CPU (median s) | bare tantivy (median s) | ratio | index peak RSS (MiB) | baseline peak RSS (MiB) | index µs/tweet |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for s_, d, mt, mc, bt, ratio, mr, br, per in rows:
            print(f"| {s_}x | {d:,} | {mt:.2f} | {mc:.2f} | {bt:.2f} | {ratio:.2f} | {mr:.0f} | {br:.0f} | {per:.1f} |")
    top = max(scales)
    ix = work / f"index_x{top}"
    data = work / f"twcs_x{top}.csv"
    # Query batch, DuckDB on the same tables and the pandas script on the CSV, alternately.
    queries = sorted(str(p) for p in (ROOT / "queries").glob("*.toml"))
    out = work / "query_out"
    qruns = []
    # The SQL replyscope generates for the same query files, generated once, not timed.
    sql_json = work / "queries.duckdb.json"
    gen = subprocess.run([rb, "sql", *queries, "--dialect", "duckdb", "--json", "--tables", str(ix / "tables")],
                         check=True, capture_output=True, text=True)
    sql_json.write_text(gen.stdout)
    for run in range(a.runs):
        shutil.rmtree(out, ignore_errors=True)
        # With the cells behind every number (the default) and without (--no-cells: a
        # researcher iterating on a query file).
        qruns.append({"kind": "replyscope", "run": run, **timed([rb, "query", str(ix), *queries, "--out", str(out), "--format", "csv"])})
        qruns.append({"kind": "replyscope-no-cells", "run": run, **timed([rb, "query", str(ix), *queries, "--out", str(out) + "-nc", "--format", "csv", "--no-cells"])})
        qruns.append({"kind": "duckdb", "run": run, **timed([sys.executable, str(ROOT / "benches/duckdb_batch.py"), str(sql_json)])})
        qruns.append({"kind": "pandas", "run": run, **timed([sys.executable, str(ROOT / "benches/pandas_script.py"), str(data)])})
    import duckdb
    check = subprocess.run([sys.executable, str(ROOT / "benches/check_sql.py"), str(ix), str(out), rb, *queries], capture_output=True, text=True)
    kinds = ("replyscope", "replyscope-no-cells", "duckdb", "pandas")
    m = {k: [r for r in qruns if r["kind"] == k] for k in kinds}
    result["queries"] = {"index": str(ix), "query_files": len(queries), "duckdb_version": duckdb.__version__,
                         "pandas_version": __import__("pandas").__version__,
                         # The script's time moved by half with its environment (BENCHMARKS.md,
                         # 2026-12-05 night): what it ran on is recorded with it.
                         "numpy_version": __import__("numpy").__version__,
                         "python_version": platform.python_version(), "runs": qruns,
                         "sql_check": check.stdout.strip().splitlines(), "sql_check_ok": check.returncode == 0}
    r, nc, d, p = med(m["replyscope"]), med(m["replyscope-no-cells"]), med(m["duckdb"]), med(m["pandas"])
    print(f"\nQuery batch ({len(queries)} query files) on the {top}x index, medians of {a.runs} (wall / CPU / peak RSS):")
    for k in kinds:
        print(f"    {k:<20} {med(m[k]):.3f} s  {med(m[k], 'cpu'):.3f} s  {max(x['rss'] for x in m[k]):.0f} MiB")
    print(f"replyscope / DuckDB {r/d:.2f} (no cells {nc/d:.2f}); pandas / replyscope {p/r:.1f} (no cells {p/nc:.1f})")
    print("SQL check:\n" + "\n".join("    " + l for l in check.stdout.strip().splitlines()))
    s = subprocess.run([rb, "bench-search", str(ix), "--queries", str(ROOT / "benches/searches.txt"), "--passes", "3"], capture_output=True, text=True, check=True)
    result["search"] = s.stdout.strip()
    print(f"\nSearch on the {top}x index: {s.stdout.strip()}")
    res = pathlib.Path(a.results)
    res.mkdir(parents=True, exist_ok=True)
    path = res / f"{started.strftime('%Y-%m-%dT%H%M')}-{result['commit'][:7]}.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\nraw results: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main()
