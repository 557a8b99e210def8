#!/usr/bin/env python3
"""replyscope on Apache Spark: a corpus manifest in, the four tables as Hive-partitioned
Parquet and every query file's table out, with the numbers `replyscope run` computes.

    spark-submit --files target/release/replyscope --py-files spark/replyscope_tables.py,spark/replyscope_threads.py \\
        spark/replyscope_spark.py --corpus corpus/twcs.toml --data hdfs:///data/twcs.csv \\
        --out hdfs:///replyscope/twcs --report twcs-out queries/*.toml

Stages (README, "Beyond one machine"):
1. ingest: each corpus file (any Hadoop path: the manifest's source paths, with ${VAR}
   filled from --data and --var) is read by the replyscope binary on an executor
   (`replyscope ingest-file`, the same reader `replyscope index` uses), so documents and
   rejects are those of a local run; a duplicate id across files is rejected here;
2. tag: documents as JSON lines through `replyscope tag --stream`, one process per
   partition (mapPartitions; the binary shipped with --files);
3. threads: the thread stage as DataFrame code (replyscope_threads.py);
4. tables: documents, mentions, interactions and threads as Parquet under OUT/tables/NAME/,
   in the layout of src/schema.rs (document numbers `doc` in input order, list columns,
   the evidence as five parallel lists; replyscope_tables.py), partitioned by source and
   month; rejects as JSON lines under OUT/rejects/;
5. queries: each query file as Spark SQL (`replyscope sql --dialect spark`) over the tables;
   the result rows are written as tables by `replyscope sql --rows`, in the layout
   `replyscope query` writes (NAME.md, .csv, .json, .tex, NAME.manifest.json), and kept as
   REPORT/rows/NAME.jsonl.

Exit status: 0 when every record became a document and every query ran; 1 when records
were rejected; 2 on a fatal error; otherwise the number of query files that failed.
"""
import argparse, json, os, posixpath, re, shutil, subprocess, sys, tempfile, threading, time

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

BINARY = "replyscope"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("queries", nargs="*", help="query files (default: queries/*.toml)")
    p.add_argument("--corpus", required=True, help="corpus manifest (a local file)")
    p.add_argument("--data", help="fills ${REPLYSCOPE_DATA} in source paths (any Hadoop path)")
    p.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                   help="fills ${NAME} in source paths")
    p.add_argument("--out", required=True, help="where the tables go (any Hadoop path)")
    p.add_argument("--report", default="spark-out", help="local folder for the query tables")
    p.add_argument("--binary", help="the replyscope binary, shipped to the executors "
                   "(default: the one spark-submit --files shipped)")
    p.add_argument("--rules", help="rule files directory, as replyscope --rules (local, shipped)")
    p.add_argument("--companies", help="the study's gazetteer (default: companies.toml beside "
                   "the manifest, when there is one)")
    p.add_argument("--partitions", type=int, default=0,
                   help="partitions the documents are tagged in (default: 4 per core)")
    p.add_argument("--master", help="Spark master when run without spark-submit (local[2])")
    p.add_argument("--format", default="md,csv,json,tex", help="formats of the query tables")
    return p.parse_args(argv)


def expand_vars(path, values):
    """${NAME} filled in, or an error naming the variable, as the Rust manifest does."""
    def fill(m):
        name = m.group(1)
        if name not in values:
            raise SystemExit(f"replyscope-spark: ${{{name}}} in source path {path!r} is not set "
                             f"(give --var {name}=VALUE{' or --data' if name == 'REPLYSCOPE_DATA' else ''})")
        return values[name]
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", fill, path)


def is_uri(path):
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", path) is not None


def source_files(sc, pattern, base):
    """(uri, shown, file_id) of every file a source path names, sorted. Listed through
    Hadoop's file system (any Hadoop path; a folder is walked, names starting with a dot
    left out); `shown` as `replyscope index` names the file (the path as the manifest
    writes it, relative to the manifest's folder), `file_id` relative to the part of the
    path before any glob character (the name record-numbered and whole-file ids carry)."""
    remote = is_uri(pattern) and not pattern.startswith("file:")
    full = pattern if is_uri(pattern) or os.path.isabs(pattern) else os.path.join(base, pattern)
    uri = full if is_uri(full) else "file://" + os.path.abspath(full)
    jvm = sc._jvm
    Path = jvm.org.apache.hadoop.fs.Path
    hpath = Path(uri)
    fs = hpath.getFileSystem(sc._jsc.hadoopConfiguration())
    parts = pattern.split("/")
    glob_at = next((i for i, part in enumerate(parts) if any(c in part for c in "*?[")), None)
    statuses = list(fs.globStatus(hpath) or [])
    if glob_at is not None:
        written_root = "/".join(parts[:glob_at])
    elif statuses and statuses[0].isDirectory():
        written_root = pattern.rstrip("/")
    else:
        written_root = posixpath.dirname(pattern)
    root_full = written_root if is_uri(written_root) or os.path.isabs(written_root) \
        else os.path.join(base, written_root)
    root_path = Path(root_full if is_uri(root_full) else "file://" + os.path.abspath(root_full)) \
        .toUri().getPath().rstrip("/")
    found = []
    for st in statuses:
        if st.isDirectory():
            it = fs.listFiles(st.getPath(), True)
            while it.hasNext():
                f = it.next().getPath()
                if not f.getName().startswith("."):
                    found.append(f)
        else:
            found.append(st.getPath())
    if not found:
        raise SystemExit(f"replyscope-spark: no file matches {full}")
    out = []
    for f in found:
        path = f.toUri().getPath()
        file_id = path[len(root_path) + 1:] if path.startswith(root_path + "/") else f.getName()
        if remote or os.path.isabs(pattern):
            shown = f.toString()
        else:
            shown = posixpath.join(written_root, file_id) if written_root else file_id
        out.append((f.toString(), shown, file_id))
    return sorted(out, key=lambda x: x[1])


def binary_path():
    """The replyscope binary on this executor, made executable."""
    from pyspark import SparkFiles
    path = SparkFiles.get(BINARY)
    if not os.access(path, os.X_OK):
        try:
            os.chmod(path, 0o755)
        except OSError:
            copy = os.path.join(tempfile.mkdtemp(), BINARY)
            shutil.copy(path, copy)
            os.chmod(copy, 0o755)
            path = copy
    return path


def ingest_files(manifest_name):
    """An executor function: (source, shown, file_id, bytes) per file in, the binary's
    JSON lines for each file out."""
    def run(items):
        from pyspark import SparkFiles
        exe = binary_path()
        manifest = SparkFiles.get(manifest_name)
        for source, shown, file_id, content in items:
            with tempfile.TemporaryDirectory() as tmp:
                local = os.path.join(tmp, posixpath.basename(file_id) or "input")
                with open(local, "wb") as f:
                    f.write(content)
                p = subprocess.run([exe, "ingest-file", "--corpus", manifest, "--source", source,
                                    "--file", local, "--shown", shown, "--file-id", file_id],
                                   capture_output=True)
                if p.returncode not in (0, 1):
                    raise RuntimeError(f"replyscope ingest-file {shown}: {p.stderr.decode(errors='replace')}")
                for line in p.stdout.decode("utf-8").splitlines():
                    yield line
    return run


def tag_partition(extra_args):
    """An executor function: document JSON lines in, `tag --stream` answers out, in order,
    streaming (a writer thread feeds the process while the answers are read)."""
    def run(lines):
        exe = binary_path()
        args = [exe, "tag", "--stream", "--threads", "1"] + list(extra_args())
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        failure = []

        def feed():
            try:
                for line in lines:
                    proc.stdin.write(line.encode("utf-8") + b"\n")
                proc.stdin.close()
            except Exception as e:  # a broken pipe shows as the process's exit below
                failure.append(e)
                try:
                    proc.stdin.close()
                except OSError:
                    pass

        t = threading.Thread(target=feed, daemon=True)
        t.start()
        for line in proc.stdout:
            yield line.decode("utf-8").rstrip("\n")
        t.join()
        err = proc.stderr.read().decode(errors="replace")
        if proc.wait() != 0:
            raise RuntimeError(f"replyscope tag --stream failed ({proc.returncode}): {err}")
        if failure:
            raise failure[0]
    return run


def rule_args(rules, companies):
    """The rule flags of `tag --stream` on an executor (files shipped with addFile)."""
    def args():
        from pyspark import SparkFiles
        out = []
        if rules:
            out += ["--rules", SparkFiles.get(os.path.basename(rules))]
        if companies:
            out += ["--companies", SparkFiles.get(os.path.basename(companies))]
        return out
    return args


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    from pyspark.sql import SparkSession, functions as F, Window
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import replyscope_tables as tables
    import replyscope_threads as threads

    builder = SparkSession.builder.appName("replyscope")
    if a.master:
        builder = builder.master(a.master)
    spark = (builder
             # Every time in replyscope is UTC.
             .config("spark.sql.session.timeZone", "UTC")
             # Partition values stay text (a source named 2017 is not a number).
             .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             # Times as milliseconds, as `replyscope index` writes them (not INT96).
             .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MILLIS")
             .getOrCreate())
    if a.master and a.master.startswith("local"):
        # Small local runs: a few shuffle partitions, not 200 tiny ones.
        spark.conf.set("spark.sql.shuffle.partitions", str(max(2, spark.sparkContext.defaultParallelism)))
    sc = spark.sparkContext
    local_binary = a.binary or shutil.which(BINARY)
    if a.binary:
        sc.addFile(os.path.abspath(a.binary))
    manifest_path = os.path.abspath(a.corpus)
    sc.addFile(manifest_path)
    base = os.path.dirname(manifest_path)
    companies = a.companies
    if companies is None and os.path.isfile(os.path.join(base, "companies.toml")):
        companies = os.path.join(base, "companies.toml")
    if companies:
        sc.addFile(os.path.abspath(companies))
    if a.rules:
        sc.addFile(os.path.abspath(a.rules), recursive=True)

    with open(manifest_path, "rb") as f:
        manifest = tomllib.load(f)
    values = dict(os.environ)
    if a.data:
        values["REPLYSCOPE_DATA"] = a.data
    for v in a.var:
        name, _, value = v.partition("=")
        values[name] = value

    clock = [time.monotonic()]

    def stage(name):
        """Wall time of a stage on stderr (each stage ends with its data materialised)."""
        now = time.monotonic()
        sys.stderr.write(f"replyscope-spark: stage {name}: {now - clock[0]:.1f} s\n")
        clock[0] = now

    # 1. ingest: every file of every source, read by the binary on an executor.
    files = []
    for s in manifest["source"]:
        pattern = expand_vars(s["path"], values)
        for uri, shown, file_id in source_files(sc, pattern, base):
            files.append((s["name"], uri, shown, file_id))
    by_uri = {}
    for source, uri, shown, file_id in files:
        by_uri.setdefault(uri, []).append((source, shown, file_id))
    contents = sc.binaryFiles(",".join(sorted(by_uri)))
    per_file = contents.flatMap(lambda kv: [(src, shown, fid, kv[1]) for (src, shown, fid) in by_uri.get(kv[0], [])
                                            or by_uri.get(kv[0].replace("file:/", "file:///", 1), [])])
    lines = per_file.mapPartitions(ingest_files(os.path.basename(manifest_path)))
    ingested = spark.read.schema(tables.INGEST_LINE).json(lines).localCheckpoint()
    file_summaries = ingested.filter(F.col("file").isNotNull()).select("file.*").collect()
    if len(file_summaries) != len(files):
        raise SystemExit(f"replyscope-spark: {len(files)} files listed, {len(file_summaries)} read")
    docs = ingested.filter(F.col("doc").isNotNull()).select("doc.*")
    # A duplicate id across files: the later record (manifest order, file order, line) is
    # rejected, naming where the first was, as `replyscope index` does.
    order = {(s, shown): i for i, (s, _, shown, _) in enumerate(files)}
    order_df = spark.createDataFrame([(s, shown, i) for (s, shown), i in order.items()],
                                     "source string, file string, file_order long")
    docs = docs.join(F.broadcast(order_df), ["source", "file"])
    w = Window.partitionBy("id").orderBy("file_order", "line")
    docs = docs.withColumn("_rank", F.row_number().over(w)) \
        .withColumn("_first", F.first(F.struct("file", "line")).over(w.rowsBetween(Window.unboundedPreceding, 0)))
    dup_rejects = docs.filter(F.col("_rank") > 1).select(
        "source", "file", "line", F.lit(None).cast("long").alias("record"),
        F.format_string("duplicate id \"%s\" (first seen at %s:%d); the later record is not indexed",
                        "id", "_first.file", "_first.line").alias("reason"))
    docs = docs.filter(F.col("_rank") == 1).drop("_rank", "_first")
    # Document numbers (`doc`), as `replyscope index` gives them: input order (manifest
    # source order, file order, record order), rejected and duplicate records left out. A
    # file's documents start after those of the files before it (one row per file to the
    # driver); within a file, in line order.
    per_file = {r["file_order"]: r["n"] for r in
                docs.groupBy("file_order").agg(F.count("*").alias("n")).collect()}
    offsets, total = [], 0
    for i in range(len(files)):
        offsets.append((i, total))
        total += per_file.get(i, 0)
    offsets_df = spark.createDataFrame(offsets, "file_order long, doc_offset long")
    in_file = Window.partitionBy("file_order").orderBy("line", "id")
    docs = docs.join(F.broadcast(offsets_df), "file_order") \
        .withColumn("doc", (F.col("doc_offset") + F.row_number().over(in_file) - 1)
                    .cast(tables.DOC_TYPE)) \
        .drop("doc_offset", "file_order").localCheckpoint()
    rejects = ingested.filter(F.col("reject").isNotNull()).select("reject.*").unionByName(dup_rejects)
    stage("ingest")

    # 2. tag: the documents through `tag --stream`, a process per partition.
    parts = a.partitions or max(1, sc.defaultParallelism * 4)
    doc_lines = docs.select(F.to_json(F.struct(*[c for c in tables.DOC.fieldNames()]))).rdd \
        .map(lambda r: r[0]).repartition(parts)
    answers_rdd = doc_lines.mapPartitions(tag_partition(rule_args(a.rules, companies)))
    answers = spark.read.schema(tables.ANSWER).json(answers_rdd).localCheckpoint()
    failed = answers.filter(F.col("error").isNotNull()).select("id", "error").collect()
    if failed:
        raise SystemExit(f"replyscope-spark: the tagger refused {len(failed)} documents, e.g. "
                         f"{failed[0]['id']}: {failed[0]['error']}")
    stage("tag")

    # 3. threads: posts of the sources that map reply links.
    linked_sources = [s["name"] for s in manifest["source"]
                      if any(k in s.get("fields", {}) for k in ("in_reply_to", "replies", "conversation_id"))]
    posts = docs.filter(F.col("source").isin(linked_sources)).join(
        answers.select("id", "post.*"), "id").select(
        "id", "doc", "source", "kind", F.col("created_at").alias("created_ms"), "in_reply_to",
        F.coalesce("replies", F.array().cast("array<string>")).alias("replies"),
        "conversation_id", "company", "company_known", "company_post", "addressee", "moves",
        "resolution", "positive", "negative")
    thread_interactions, thread_rows = threads.thread_stage(posts)
    thread_interactions = thread_interactions.localCheckpoint()
    stage("threads")

    # 4. tables, partitioned by source and month.
    given = sorted({g for s in manifest["source"] for g in s.get("given", {})})
    documents = tables.documents_table(docs, given)
    doc_info = documents.select("id", "doc", "source", "month")
    mentions = tables.mentions_table(answers, doc_info)
    interactions = tables.text_interactions_table(answers, doc_info).unionByName(thread_interactions)
    out = a.out.rstrip("/")
    for name, df in [("documents", documents), ("mentions", mentions),
                     ("interactions", interactions), ("threads", thread_rows)]:
        df.write.mode("overwrite").partitionBy(*tables.PARTITION_BY).parquet(f"{out}/tables/{name}")
    rejects.write.mode("overwrite").json(f"{out}/rejects")
    n_rejects = rejects.count()
    stage("tables")

    # 5. queries: Spark SQL from `replyscope sql`, tables written by `replyscope sql --rows`.
    for name in ["documents", "mentions", "interactions", "threads"]:
        spark.read.parquet(f"{out}/tables/{name}").createOrReplaceTempView(name)
    queries = a.queries or sorted(os.path.join("queries", f) for f in os.listdir("queries")
                                  if f.endswith(".toml"))
    gen = subprocess.run([local_binary, "sql", *queries, "--dialect", "spark", "--json"],
                         capture_output=True, text=True)
    sys.stderr.write(gen.stderr)
    statements = json.loads(gen.stdout)
    failed_queries = sum(1 for s in statements if "error" in s)
    # Each query's rows go beside its tables once `sql --rows` has made the folder
    # replyscope's (it refuses to write into a folder holding files it did not write).
    scratch = tempfile.mkdtemp(prefix="replyscope-rows-")
    kept = os.path.join(a.report, "rows")
    for s in statements:
        if "error" in s:
            continue
        try:
            rows = spark.sql(s["sql"]).collect()
        except Exception as e:
            sys.stderr.write(f"replyscope-spark: {s['path']}: {e}\n")
            failed_queries += 1
            continue
        rows_file = os.path.join(scratch, f"{s['name']}.jsonl")
        with open(rows_file, "w") as f:
            for r in rows:
                f.write(json.dumps(r.asDict(recursive=True)) + "\n")
        w = subprocess.run([local_binary, "sql", s["path"], "--dialect", "spark", "--rows", rows_file,
                            "--out", a.report, "--format", a.format, "--source-label", f"{out}/tables"],
                           capture_output=True, text=True)
        if w.returncode != 0:
            sys.stderr.write(w.stderr)
            failed_queries += 1
            continue
        os.makedirs(kept, exist_ok=True)
        shutil.move(rows_file, os.path.join(kept, f"{s['name']}.jsonl"))
        sys.stderr.write(f"replyscope-spark: {s['path']} -> {a.report}/{s['name']}.* ({len(rows)} rows)\n")
    shutil.rmtree(scratch, ignore_errors=True)
    stage("queries")
    n_docs = docs.count()
    sys.stderr.write(f"replyscope-spark: {n_docs + n_rejects} records read, {n_docs} documents, "
                     f"{n_rejects} rejected; tables in {out}/tables\n")
    spark.stop()
    if failed_queries:
        return min(failed_queries, 100)
    return 1 if n_rejects else 0


if __name__ == "__main__":
    sys.exit(main())
