"""The thread stage as Spark DataFrame code: reply-linked posts in, one interaction per
customer conversation with a company out, and the threads table. The same definitions as
the Rust stage (src/tag/threads.rs, src/index/threads.rs; README "Definitions that decide
numbers"), step for step:

- an interaction opens at a customer's post (not a company's) that replies to nothing, or
  to a post outside the corpus (or to itself);
- everything below it in the reply tree is its conversation; the posts are ordered by
  (created_at, id), a post without a time first;
- its company is the author's company of the first company post below it, else the first
  company the opening post addresses; an opening with neither is not an interaction
  (`unaddressed`);
- responded: yes with a company reply; unknown when none but a post of the conversation
  lists a reply that is not in the corpus; no otherwise;
- latency: the first company reply's time minus the opening's, exact, in seconds; a negative
  or missing one is empty with the reason in `problem`;
- an unanswered conversation (responded no) is censored at the last time of any reply-linked
  post: censor_seconds = max(0, end - opened);
- moves: the company posts' moves, distinct, sorted; redirect_to their targets in order of
  first appearance; resolution: the last customer post's resolution cue; sentiment from the
  opening's and the customer posts' positive and negative cues.

Posts are joined by their document numbers (`doc`, integers); ids only name conversations
and break ties in the order of posts. Roots are found by pointer jumping: each post's
pointer goes to its parent's pointer until it reaches a post with no parent in the corpus,
in log2(depth) rounds. A post in a reply cycle, or below one (bad data), never reaches one
and belongs to no opening, as in the Rust stage. Two differences, in the threads table only
(no query reads it): such a post's conversation_id (unless the source gives one), root and
depth are empty here, where the Rust stage names the conversation by a post of the cycle
chosen by file order; and chains longer than 10,000 posts are not cut here, where the Rust
table starts a new conversation.
"""
from pyspark.sql import functions as F
from pyspark.sql import Window

import replyscope_tables as tables

# i64::MIN: the Rust stage's sort key of a post without a time (first).
NO_TIME = -9223372036854775808


def roots(posts):
    """(doc, root, depth, resolved) per post: its conversation's root post and the steps to
    it, by document number. `posts` has doc and parent (the in-corpus parent's doc, or
    null)."""
    p = posts.select(F.col("doc").alias("id"), F.col("parent").alias("ptr"),
                     F.when(F.col("parent").isNull(), 0).otherwise(1).alias("dist")).localCheckpoint()
    up = posts.select(F.col("doc").alias("pid"), F.col("parent").alias("pparent"))
    unresolved_before = None
    while True:
        # A post is resolved when its pointer is a post without a parent (or it has none).
        cur = p.join(up, p.ptr == up.pid, "left")
        unresolved = cur.filter(F.col("pparent").isNotNull()).count()
        if unresolved == 0 or unresolved == unresolved_before:
            break
        unresolved_before = unresolved
        nxt = p.alias("a").join(p.alias("b"), F.col("a.ptr") == F.col("b.id"), "left")
        p = nxt.select(
            F.col("a.id").alias("id"),
            F.when(F.col("b.ptr").isNotNull(), F.col("b.ptr")).otherwise(F.col("a.ptr")).alias("ptr"),
            (F.col("a.dist") + F.coalesce(F.col("b.dist"), F.lit(0))).alias("dist"),
        ).localCheckpoint()
    cur = p.join(up, p.ptr == up.pid, "left")
    return cur.select(
        F.col("id").alias("doc"),
        F.coalesce("ptr", "id").alias("root"),
        F.col("dist").alias("depth"),
        F.col("pparent").isNull().alias("resolved"),
    )


def thread_stage(posts):
    """Interactions (the interactions table's columns and month) and the threads table
    (its columns, source and month) of the reply-linked posts. `posts` has, per post: id,
    doc, source, kind, created_ms, in_reply_to, replies, conversation_id and the tagger's
    post cues (company, company_known, company_post, addressee, moves, resolution, positive,
    negative)."""
    ids = posts.select(F.col("id").alias("pid"), F.col("doc").alias("pdoc"))
    # parent: the in-corpus parent's document number (a post replying to itself has none).
    linked = posts.join(ids, (posts.in_reply_to == ids.pid) & (posts.in_reply_to != posts.id), "left") \
        .withColumn("parent", F.col("pdoc")).drop("pid", "pdoc")
    # A listed reply that is not in the corpus: an answer exists, we do not know whose.
    outside = posts.select("doc", F.explode("replies").alias("r")) \
        .join(ids, F.col("r") == ids.pid, "left_anti").select("doc").distinct() \
        .withColumn("lists_outside", F.lit(True))
    linked = linked.join(outside, "doc", "left") \
        .withColumn("lists_outside", F.coalesce("lists_outside", F.lit(False))) \
        .withColumn("sort_ms", F.coalesce("created_ms", F.lit(NO_TIME))).localCheckpoint()
    r = roots(linked.select("doc", "parent"))
    linked = linked.join(r, "doc").localCheckpoint()
    corpus_end = posts.agg(F.max("created_ms")).first()[0]

    openings = linked.filter(F.col("parent").isNull() & ~F.col("company_post"))
    below = linked.filter(F.col("resolved") & (F.col("root") != F.col("doc"))) \
        .select(F.col("root").alias("oid"), "id", "doc", "sort_ms", "created_ms", "company",
                "company_known", "company_post", "moves", "resolution", "positive", "negative",
                "lists_outside")
    # Posts in conversation order: (created_at, id); the number rides along after the key.
    key = F.struct("sort_ms", "id")
    conv = below.groupBy("oid").agg(
        F.count("*").alias("n_below"),
        F.max(F.col("lists_outside").cast("int")).alias("below_outside"),
        F.min(F.when(F.col("company_post"), F.struct(
            "sort_ms", "id", "company", "company_known", "created_ms", "doc"))).alias("reply"),
        # Company posts in conversation order, with their moves.
        F.array_sort(F.collect_list(F.when(F.col("company_post"), F.struct(
            "sort_ms", "id", "doc", "moves")))).alias("company_posts"),
        # The last customer post (in order) with a resolution cue.
        F.max(F.when(~F.col("company_post") & F.col("resolution").isNotNull(),
                     F.struct(key.alias("k"), F.col("resolution").alias("cue"),
                              F.col("doc").alias("doc")))).alias("last_resolution"),
        F.sum(F.when(~F.col("company_post"), F.col("positive")).otherwise(0)).alias("pos_below"),
        F.sum(F.when(~F.col("company_post"), F.col("negative")).otherwise(0)).alias("neg_below"),
    )
    o = openings.join(conv, openings.doc == conv.oid, "left")
    has_reply = F.col("reply").isNotNull()
    company = F.when(has_reply, F.coalesce(F.col("reply.company"), F.lit(""))) \
        .otherwise(F.col("addressee.label"))
    o = o.withColumn("i_company", company).filter(F.col("i_company").isNotNull())
    outside_any = F.col("lists_outside") | (F.coalesce(F.col("below_outside"), F.lit(0)) == 1)
    responded = F.when(has_reply, "yes").when(outside_any, "unknown").otherwise("no")
    delay = (F.col("reply.created_ms") - F.col("created_ms")) / F.lit(1000.0)
    both_times = F.col("created_ms").isNotNull() & F.col("reply.created_ms").isNotNull()
    latency = F.when(has_reply & both_times & (delay >= 0), delay)
    problem = F.when(has_reply & both_times & (delay < 0),
                     F.format_string("reply is %.0f s before the post it answers", -delay)) \
        .when(has_reply & ~both_times, F.lit("missing created_at on the post or its reply"))
    # Moves of the company posts in order: (post, move) pairs, first appearance per label.
    pairs = F.flatten(F.transform(F.coalesce("company_posts", F.array()), lambda p: F.transform(
        F.coalesce(p["moves"], F.array()), lambda m: F.struct(p["doc"].alias("doc"), m.alias("m")))))
    o = o.withColumn("pairs", pairs)
    first_of_label = F.filter("pairs", lambda x, i: F.forall(
        F.slice("pairs", 1, i), lambda y: y["m"]["label"] != x["m"]["label"]))
    move_evidence = F.transform(first_of_label, lambda x: F.struct(
        F.lit("move").alias("field"), x["doc"].cast(tables.DOC_TYPE).alias("doc"),
        x["m"]["start"].cast("long").alias("start"), x["m"]["end"].cast("long").alias("end"),
        x["m"]["rule"].alias("rule")))
    redirect = F.array_distinct(F.filter(F.transform("pairs", lambda x: x["m"]["target"]),
                                         lambda t: t.isNotNull()))
    moves = F.array_sort(F.array_distinct(F.transform("pairs", lambda x: x["m"]["label"])))
    pos = F.col("positive") + F.coalesce("pos_below", F.lit(0))
    neg = F.col("negative") + F.coalesce("neg_below", F.lit(0))
    sentiment = F.when((pos == 0) & (neg == 0), "neutral").when(neg == 0, "positive") \
        .when(pos == 0, "negative").when(pos >= 2 * neg, "positive") \
        .when(neg >= 2 * pos, "negative").otherwise("mixed")

    def ev(field, doc, start, end, rule):
        return F.struct(F.lit(field).alias("field"), doc.cast(tables.DOC_TYPE).alias("doc"),
                        start.cast("long").alias("start"),
                        end.cast("long").alias("end"), F.lit(rule).alias("rule") if isinstance(rule, str)
                        else rule.alias("rule"))

    zero = F.lit(0)
    # Evidence entries name their post by number.
    company_ev = F.when(has_reply, ev("company", F.col("reply.doc"), zero, zero,
                                      "thread.first_company_reply")) \
        .otherwise(ev("company", F.col("doc"), F.col("addressee.start"), F.col("addressee.end"),
                      F.col("addressee.rule")))
    responded_ev = F.when(has_reply, ev("responded", F.col("reply.doc"), zero, zero, "thread.reply_link")) \
        .when(outside_any, ev("responded", F.col("doc"), zero, zero, "thread.reply_outside_corpus")) \
        .otherwise(ev("responded", F.col("doc"), zero, zero, "thread.no_company_reply"))
    latency_ev = F.when(latency.isNotNull(), F.array(ev("latency", F.col("reply.doc"), zero, zero,
                                                       "thread.timestamps"))).otherwise(F.array())
    res = F.col("last_resolution.cue")
    resolution_ev = F.when(res.isNotNull(), F.array(ev("resolution", F.col("last_resolution.doc"),
                                                       res["start"], res["end"], res["rule"]))) \
        .otherwise(F.array())
    evidence = F.concat(F.array(company_ev, responded_ev), latency_ev, move_evidence, resolution_ev)
    opened = tables.millis_to_time("created_ms")
    censor = F.when((responded == "no") & F.col("created_ms").isNotNull() & F.lit(corpus_end).isNotNull(),
                    F.greatest(F.lit(0.0), (F.lit(corpus_end) - F.col("created_ms")) / F.lit(1000.0)))
    interactions = o.select(
        F.concat(F.col("id"), F.lit("#"), F.col("i_company")).alias("id"),
        F.col("doc").cast(tables.DOC_TYPE).alias("doc"), "source", "kind", F.lit("thread").alias("basis"),
        F.col("i_company").alias("company"), F.lit("thread").alias("company_basis"),
        (has_reply & ~F.coalesce(F.col("reply.company_known"), F.lit(False))).alias("discovered"),
        F.array(F.lit("twitter")).alias("channels"), F.lit("twitter").alias("first_channel"),
        F.when(has_reply, F.lit("twitter")).alias("response_channel"),
        responded.alias("responded"),
        latency.alias("latency_seconds"),
        F.when(latency.isNotNull(), F.lit("exact")).alias("latency_kind"),
        tables.text_list(moves).alias("moves"),
        tables.text_list(redirect).alias("redirect_to"),
        (F.size(redirect) > 0).alias("switched"),
        F.coalesce(res["label"], F.lit("unknown")).alias("resolution"),
        sentiment.alias("sentiment"),
        opened.alias("opened_at"),
        tables.millis_to_time(F.when(has_reply, F.col("reply.created_ms"))).alias("responded_at"),
        censor.alias("censor_seconds"),
        (F.coalesce("n_below", F.lit(0)) + 1).cast("int").alias("posts"),
        problem.alias("problem"),
        *tables.evidence_lists(evidence, lambda e: e["doc"]),
    ).withColumn("month", tables.month_of(F.col("opened_at")))

    # A conversation is named by the source's id, else by its root post's id.
    root_ids = posts.select(F.col("doc").alias("root"), F.col("id").alias("root_id"))
    threads = linked.join(root_ids, "root", "left").select(
        F.col("doc").cast(tables.DOC_TYPE).alias("doc"),
        F.coalesce("conversation_id", F.when(F.col("resolved"), F.col("root_id"))).alias("conversation_id"),
        F.when(F.col("resolved"), F.col("root")).cast(tables.DOC_TYPE).alias("root"),
        F.col("parent").cast(tables.DOC_TYPE).alias("parent"),
        F.when(F.col("in_reply_to").isNotNull(), F.col("parent").isNotNull()).alias("parent_in_corpus"),
        F.when(F.col("resolved"), F.col("depth")).cast("int").alias("depth"),
        F.size(F.coalesce("replies", F.array())).cast("int").alias("replies_listed"),
        "source",
        tables.month_of(tables.millis_to_time("created_ms")).alias("month"),
    )
    return interactions, threads
