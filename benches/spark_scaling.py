#!/usr/bin/env python3
"""Spark scaling (README, "Beyond one machine"): `replyscope run` against the Spark driver in
local mode with 1 and 2 cores on the same tweets. One command:

    python3 benches/spark_scaling.py --data DIR_OR_CSV

--data is a twcs-format tweets CSV, or a folder of them (the Spark ingest reads one file per
task, so a folder of several files is what lets two cores share the reading; build one with
`replyscope bench-corpus --from ../shared/corpora/twcs/twcs_head_first1000.csv --scale 1000`
and split it by rows, a header in each file). For RUNS rounds it times, in turn,
`replyscope run` (index + the queries/ batch, --threads 2) and `spark-submit --master
local[C]` of spark/replyscope_spark.py for C in 1 and 2, with wall time, CPU time (user +
system of every process) and peak RSS (the largest single process) from /usr/bin/time -v,
and the driver's stage times. Checks that Spark's query CSVs equal replyscope's, prints
medians, and writes every run with the commit and the machine to
benches/results/DATE-COMMIT-spark.json.
"""
import argparse, datetime, filecmp, json, os, pathlib, re, shutil, statistics, subprocess, sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from pipeline import ROOT, commit, machine  # noqa: E402


def timed(cmd, log):
    """Runs cmd under /usr/bin/time -v, its stderr to log; returns wall, CPU, peak RSS (MiB)
    and the Spark driver's stage times."""
    # spark-submit merges the Python driver's stderr into its standard output.
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, cwd=ROOT)
    p.stderr = p.stdout
    pathlib.Path(log).write_text(p.stderr)
    if p.returncode not in (0, 1):
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-3000:]}")
    num = lambda pat: float(re.search(pat, p.stderr).group(1))
    h, m, s = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", p.stderr).groups()
    wall = int(h or 0) * 3600 + int(m) * 60 + float(s)
    cpu = num(r"User time \(seconds\): ([\d.]+)") + num(r"System time \(seconds\): ([\d.]+)")
    rss = num(r"Maximum resident set size \(kbytes\): (\d+)") / 1024
    stages = {k: float(v) for k, v in re.findall(r"replyscope-spark: stage (.+?): ([\d.]+) s", p.stderr)}
    return {"wall": round(wall, 2), "cpu": round(cpu, 2), "rss": round(rss, 1), "stages": stages}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="a twcs CSV or a folder of them")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--work", default="/tmp/replyscope-spark-bench")
    ap.add_argument("--bin", default=str(ROOT / "target/release/replyscope"))
    ap.add_argument("--driver-memory", default="6g")
    ap.add_argument("--results", default=str(ROOT / "benches/results"))
    a = ap.parse_args()
    data = pathlib.Path(a.data).resolve()
    if not data.exists():
        sys.exit(f"{data}: not found; pass --data with a twcs CSV or a folder of them")
    if not shutil.which("spark-submit"):
        sys.exit("spark-submit not found (install: pip install pyspark==4.3.0; Java 17)")
    work = pathlib.Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    files = sorted(data.glob("*.csv")) if data.is_dir() else [data]
    records = sum(max(0, sum(1 for _ in open(f, "rb")) - 1) for f in files)  # lines, an upper bound on records
    data_arg = str(data / "*.csv") if data.is_dir() else str(data)
    queries = sorted(str(p) for p in (ROOT / "queries").glob("*.toml"))
    result = {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), **commit(),
              "machine": machine(), "binary": a.bin, "data": str(data), "files": len(files),
              "bytes": sum(f.stat().st_size for f in files), "lines": records, "runs": []}
    for r in range(a.runs):
        for engine in ["replyscope", "spark-1", "spark-2"]:
            out = work / f"{engine}-out"
            shutil.rmtree(out, ignore_errors=True)
            if engine == "replyscope":
                ix = work / "index"
                shutil.rmtree(ix, ignore_errors=True)
                cmd = [a.bin, "--threads", "2", "run", "--corpus", "corpus/twcs.toml", "--data", data_arg,
                       "--index", str(ix), "--out", str(out), "--format", "csv"]
            else:
                cores = engine.split("-")[1]
                tables = work / f"{engine}-tables"
                shutil.rmtree(tables, ignore_errors=True)
                cmd = ["spark-submit", "--master", f"local[{cores}]", "--driver-memory", a.driver_memory,
                       "spark/replyscope_spark.py", "--corpus", "corpus/twcs.toml", "--data", data_arg,
                       "--binary", a.bin, "--out", str(tables), "--report", str(out), "--format", "csv", *queries]
            t = timed(cmd, work / f"{engine}-{r}.log")
            t.update(engine=engine, round=r)
            print(json.dumps(t), flush=True)
            result["runs"].append(t)
        for engine in ["spark-1", "spark-2"]:
            for q in queries:
                name = pathlib.Path(q).stem + ".csv"
                same = filecmp.cmp(work / "replyscope-out" / name, work / f"{engine}-out" / name, shallow=False)
                result.setdefault("csv_equal", {})[f"{engine}/{name}"] = same
    out = pathlib.Path(a.results)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H%M")
    path = out / f"{stamp}-{result['commit'][:7]}-spark.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\n| engine | wall (median) | CPU | peak RSS |\n|---|---:|---:|---:|")
    for engine in ["replyscope", "spark-1", "spark-2"]:
        runs = [x for x in result["runs"] if x["engine"] == engine]
        print(f"| {engine} | {statistics.median(x['wall'] for x in runs):.1f} s | "
              f"{statistics.median(x['cpu'] for x in runs):.1f} s | {statistics.median(x['rss'] for x in runs):.0f} MiB |")
    print(f"\nCSV equal: {all(result.get('csv_equal', {}).values())}; results: {path}")


if __name__ == "__main__":
    main()
