-- DuckDB equivalent of queries/response_by_channel.toml (counts and rate).
SELECT coalesce(first_channel, '(none)') AS first_channel, count(*) AS stories,
       count(*) FILTER (WHERE responded = 'yes') AS answered,
       count(*) FILTER (WHERE responded = 'no') AS unanswered,
       count(*) FILTER (WHERE responded = 'unknown') AS unknown,
       count(*) FILTER (WHERE responded = 'yes') / nullif(count(*) FILTER (WHERE responded IN ('yes', 'no')), 0) AS response_rate
FROM read_parquet('{tables}/interactions.parquet')
GROUP BY 1 ORDER BY stories DESC, first_channel;
