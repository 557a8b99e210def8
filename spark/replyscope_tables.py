"""What the Spark driver knows about replyscope's tables, in one place: the columns of the
four tables (as `replyscope index` writes them, src/index/tables.rs and threads.rs), the
schemas of the JSON lines the replyscope binary answers with (`ingest-file`,
`tag --stream`), how list fields and document numbers are stored and how the tables are
partitioned. The one typed schema of the tables is src/schema.rs; when it changes, this file
is what changes on the Spark side.

Only the driver imports this module: it builds column expressions, which run in the JVM.
"""
from pyspark.sql import functions as F
from pyspark.sql import types as T

# Partition columns of every table written (Hive layout: source=NAME/month=YYYY-MM).
PARTITION_BY = ["source", "month"]
# The month of a row without a time.
NO_MONTH = "none"

# A document as `ingest-file` prints it ({"doc": ...}) and `tag --stream` reads it.
DOC = T.StructType([
    T.StructField("id", T.StringType()),
    T.StructField("source", T.StringType()),
    T.StructField("kind", T.StringType()),
    T.StructField("shape", T.StringType()),
    T.StructField("channel", T.StringType()),
    T.StructField("file", T.StringType()),
    T.StructField("line", T.LongType()),
    T.StructField("url", T.StringType()),
    T.StructField("title", T.StringType()),
    T.StructField("author", T.StringType()),
    T.StructField("created_at", T.LongType()),  # milliseconds, UTC
    T.StructField("text", T.StringType()),
    T.StructField("in_reply_to", T.StringType()),
    T.StructField("replies", T.ArrayType(T.StringType())),
    T.StructField("conversation_id", T.StringType()),
    T.StructField("inbound", T.BooleanType()),
    T.StructField("given", T.MapType(T.StringType(), T.StringType())),
    T.StructField("meta", T.MapType(T.StringType(), T.StringType())),
])

REJECT = T.StructType([
    T.StructField("source", T.StringType()),
    T.StructField("file", T.StringType()),
    T.StructField("line", T.LongType()),
    T.StructField("record", T.LongType()),
    T.StructField("reason", T.StringType()),
])

FILE = T.StructType([
    T.StructField("source", T.StringType()),
    T.StructField("file", T.StringType()),
    T.StructField("bytes", T.LongType()),
    T.StructField("sha256", T.StringType()),
    T.StructField("records", T.LongType()),
    T.StructField("documents", T.LongType()),
    T.StructField("rejects", T.LongType()),
])

INGEST_LINE = T.StructType([
    T.StructField("doc", DOC),
    T.StructField("reject", REJECT),
    T.StructField("file", FILE),
])

EVIDENCE = T.StructType([
    T.StructField("field", T.StringType()),
    T.StructField("doc", T.StringType()),
    T.StructField("start", T.LongType()),
    T.StructField("end", T.LongType()),
    T.StructField("rule", T.StringType()),
])

TAG = T.StructType([
    T.StructField("set", T.StringType()),
    T.StructField("label", T.StringType()),
    T.StructField("role", T.StringType()),
    T.StructField("actor", T.StringType()),
    T.StructField("seconds", T.DoubleType()),
    T.StructField("target", T.StringType()),
    T.StructField("start", T.LongType()),
    T.StructField("end", T.LongType()),
    T.StructField("rule", T.StringType()),
    T.StructField("role_rule", T.StringType()),
    T.StructField("found", T.StringType()),
    T.StructField("surface", T.StringType()),
])

INTERACTION = T.StructType([
    T.StructField("id", T.StringType()),
    T.StructField("doc_id", T.StringType()),
    T.StructField("source", T.StringType()),
    T.StructField("kind", T.StringType()),
    T.StructField("basis", T.StringType()),
    T.StructField("company", T.StringType()),
    T.StructField("company_basis", T.StringType()),
    T.StructField("discovered", T.BooleanType()),
    T.StructField("channels", T.ArrayType(T.StringType())),
    T.StructField("first_channel", T.StringType()),
    T.StructField("response_channel", T.StringType()),
    T.StructField("responded", T.StringType()),
    T.StructField("latency_seconds", T.DoubleType()),
    T.StructField("latency_kind", T.StringType()),
    T.StructField("moves", T.ArrayType(T.StringType())),
    T.StructField("redirect_to", T.ArrayType(T.StringType())),
    T.StructField("switched", T.BooleanType()),
    T.StructField("resolution", T.StringType()),
    T.StructField("sentiment", T.StringType()),
    T.StructField("opened_at", T.StringType()),  # RFC 3339
    T.StructField("responded_at", T.StringType()),
    T.StructField("censor_seconds", T.DoubleType()),
    T.StructField("posts", T.LongType()),
    T.StructField("problem", T.StringType()),
    T.StructField("evidence", T.ArrayType(EVIDENCE)),
])

CUE = T.StructType([
    T.StructField("label", T.StringType()),
    T.StructField("target", T.StringType()),
    T.StructField("start", T.LongType()),
    T.StructField("end", T.LongType()),
    T.StructField("rule", T.StringType()),
])

POST = T.StructType([
    T.StructField("company", T.StringType()),
    T.StructField("company_known", T.BooleanType()),
    T.StructField("company_post", T.BooleanType()),
    T.StructField("addressee", CUE),
    T.StructField("moves", T.ArrayType(CUE)),
    T.StructField("resolution", CUE),
    T.StructField("positive", T.LongType()),
    T.StructField("negative", T.LongType()),
])

# One answer line of `tag --stream`.
ANSWER = T.StructType([
    T.StructField("line", T.LongType()),
    T.StructField("id", T.StringType()),
    T.StructField("error", T.StringType()),
    T.StructField("tags", T.ArrayType(TAG)),
    T.StructField("interactions", T.ArrayType(INTERACTION)),
    T.StructField("post", POST),
])

# The tables' columns, in file order (src/schema.rs). Every table has the document number
# `doc`: the document's row in documents, in input order (manifest source order, file order,
# record order), stored as a long (Spark has no unsigned 32-bit integer). The string id is
# in documents only. Lists are array columns; the evidence of an interaction is five
# parallel arrays.
DOCUMENT_COLUMNS = ["doc", "id", "source", "kind", "file", "line", "url", "title", "author",
                    "created_at", "text", "in_reply_to", "replies", "conversation_id",
                    "inbound"]  # then given_LABEL per given label, then meta

MENTION_COLUMNS = ["doc", "source", "set", "label", "role", "actor", "seconds", "target",
                   "start", "end", "surface", "rule", "role_rule", "found"]

INTERACTION_COLUMNS = ["id", "doc", "source", "kind", "basis", "company", "company_basis",
                       "discovered", "channels", "first_channel", "response_channel", "responded",
                       "latency_seconds", "latency_kind", "moves", "redirect_to", "switched",
                       "resolution", "sentiment", "opened_at", "responded_at", "censor_seconds",
                       "posts", "problem", "evidence_field", "evidence_doc", "evidence_start",
                       "evidence_end", "evidence_rule"]

THREAD_COLUMNS = ["doc", "conversation_id", "root", "parent", "parent_in_corpus", "depth",
                  "replies_listed"]

# The type of a document number.
DOC_TYPE = "long"


def text_list(col):
    """A list-of-text column: the list, an empty one for null (the tables never store a
    null list)."""
    c = F.col(col) if isinstance(col, str) else col
    return F.coalesce(c, F.array().cast("array<string>"))


def evidence_lists(entries, doc):
    """The five evidence columns from an array of evidence structs (field, start, end,
    rule); `doc(e)` gives an entry's document number (null for a document not in the
    corpus)."""
    e = F.coalesce(entries, F.array())
    return [
        F.transform(e, lambda x: x["field"]).cast("array<string>").alias("evidence_field"),
        F.transform(e, lambda x: doc(x).cast(DOC_TYPE)).alias("evidence_doc"),
        F.transform(e, lambda x: x["start"].cast("long")).alias("evidence_start"),
        F.transform(e, lambda x: x["end"].cast("long")).alias("evidence_end"),
        F.transform(e, lambda x: x["rule"]).cast("array<string>").alias("evidence_rule"),
    ]


def millis_to_time(col):
    """Milliseconds (UTC) to a timestamp."""
    return F.timestamp_millis(col)


def month_of(time_col):
    """The partition month of a time column."""
    return F.coalesce(F.date_format(time_col, "yyyy-MM"), F.lit(NO_MONTH))


def documents_table(docs, given_labels):
    """documents.parquet's columns from ingested, numbered documents (DOC and `doc`), plus
    the partition month. `given_labels` are every label any source maps, sorted."""
    cols = [F.col("doc").cast(DOC_TYPE).alias("doc")]
    cols += [F.col(c) for c in ["id", "source", "kind", "file", "line", "url", "title", "author"]]
    cols += [millis_to_time("created_at").alias("created_at"), F.col("text"),
             F.col("in_reply_to"), text_list("replies").alias("replies"),
             F.col("conversation_id"), F.col("inbound")]
    cols += [F.col("given")[g].alias(f"given_{g}") for g in given_labels]
    cols += [F.when(F.size("meta") > 0, F.to_json("meta")).alias("meta"),
             month_of(millis_to_time("created_at")).alias("month")]
    return docs.select(*cols)


def mentions_table(answers, doc_info):
    """mentions.parquet's columns: one row per tag of each answer. `doc_info` has each
    document's id, doc, source and month."""
    tags = answers.select("id", F.explode("tags").alias("t")).join(doc_info, "id")
    return tags.select(*[F.col(c) if c in ("doc", "source") else F.col(f"t.{c}").alias(c)
                         for c in MENTION_COLUMNS], "month")


def text_interactions_table(answers, doc_info):
    """interactions.parquet's columns for the interactions the tagger made from texts: the
    document that opens one is the answer's; its evidence lies in that document (an entry
    naming another document has no number, as in `replyscope index`)."""
    i = answers.select(F.col("id").alias("answer_id"), F.explode("interactions").alias("i")) \
        .join(doc_info.select(F.col("id").alias("answer_id"), "doc"), "answer_id") \
        .select("answer_id", "doc", "i.*")
    return i.select(
        "id", F.col("doc").cast(DOC_TYPE).alias("doc"),
        *[F.col(c) for c in ["source", "kind", "basis", "company", "company_basis", "discovered"]],
        text_list("channels").alias("channels"),
        "first_channel", "response_channel", "responded", "latency_seconds", "latency_kind",
        text_list("moves").alias("moves"),
        text_list("redirect_to").alias("redirect_to"),
        "switched", "resolution", "sentiment",
        F.to_timestamp("opened_at").alias("opened_at"),
        F.to_timestamp("responded_at").alias("responded_at"),
        "censor_seconds", F.col("posts").cast("int").alias("posts"), "problem",
        *evidence_lists(F.col("evidence"),
                        lambda e: F.when(e["doc"] == F.col("answer_id"), F.col("doc"))),
    ).withColumn("month", month_of(F.col("opened_at")))
