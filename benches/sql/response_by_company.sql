-- DuckDB equivalent of queries/response_by_company.toml. {tables} is the index's tables/ dir.
WITH i AS (SELECT * FROM read_parquet('{tables}/interactions.parquet')),
counts AS (
  SELECT company,
         count(*) AS stories,
         count(*) FILTER (WHERE responded = 'yes') AS answered,
         count(*) FILTER (WHERE responded = 'no') AS unanswered,
         count(*) FILTER (WHERE responded = 'unknown') AS unknown,
         count(latency_seconds) FILTER (WHERE responded = 'yes' AND latency_kind = 'exact') AS latency_n,
         quantile_cont(latency_seconds, 0.5) FILTER (WHERE responded = 'yes' AND latency_kind = 'exact') AS latency_median,
         quantile_cont(latency_seconds, 0.9) FILTER (WHERE responded = 'yes' AND latency_kind = 'exact') AS latency_p90,
         avg(latency_seconds) FILTER (WHERE responded = 'yes' AND latency_kind = 'exact') AS latency_mean,
         count(*) FILTER (WHERE basis = 'text' AND latency_kind IS NOT NULL) AS bound_n
  FROM i GROUP BY company
),
-- Kaplan-Meier: events at exact delays, unanswered censored at censor_seconds.
obs AS (
  SELECT company,
         CASE WHEN responded = 'yes' THEN latency_seconds ELSE censor_seconds END AS t,
         CASE WHEN responded = 'yes' THEN 1 ELSE 0 END AS event
  FROM i
  WHERE (responded = 'yes' AND latency_kind = 'exact' AND latency_seconds IS NOT NULL)
     OR (responded = 'no' AND censor_seconds IS NOT NULL)
),
at_t AS (SELECT company, t, sum(event) AS d, count(*) AS c FROM obs GROUP BY company, t),
risk AS (
  SELECT company, t, d,
         sum(c) OVER (PARTITION BY company ORDER BY t DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS r
  FROM at_t
),
steps AS (
  SELECT company, t,
         -- product of (1 - d/r) over event times so far; a factor of 0 makes every later S zero
         CASE WHEN max(CASE WHEN d = r THEN 1 ELSE 0 END) OVER w = 1 THEN 0.0
              ELSE exp(sum(ln(1.0 - d / r)) OVER w) END AS s
  FROM risk WHERE d > 0
  WINDOW w AS (PARTITION BY company ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
km AS (
  SELECT o.company, count(*) AS km_n,
         (SELECT min(t) FROM steps s WHERE s.company = o.company AND s.s <= 0.5 + 1e-12) AS km_median,
         1 - coalesce((SELECT s FROM steps s WHERE s.company = o.company AND s.t <= 3600 ORDER BY s.t DESC LIMIT 1), 1.0) AS km_within_1h,
         1 - coalesce((SELECT s FROM steps s WHERE s.company = o.company AND s.t <= 86400 ORDER BY s.t DESC LIMIT 1), 1.0) AS km_within_24h
  FROM obs o GROUP BY o.company
)
SELECT c.company, c.stories, c.answered, c.unanswered, c.unknown,
       c.answered / nullif(c.answered + c.unanswered, 0) AS response_rate,
       c.latency_n, c.latency_median, c.latency_p90, c.latency_mean,
       coalesce(km.km_n, 0) AS km_n, km.km_median, km.km_within_1h, km.km_within_24h, c.bound_n
FROM counts c LEFT JOIN km ON km.company = c.company
ORDER BY c.stories DESC, c.company;
