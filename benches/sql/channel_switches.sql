-- DuckDB equivalent of queries/channel_switches.toml (the switch paths' text is checked by
-- the tests; here the counts, the rate and a share of the redirect_to list column).
SELECT company, count(*) AS stories,
       count(*) FILTER (WHERE switched) AS switched,
       count(*) FILTER (WHERE switched) / count(*) AS switch_rate,
       count(*) FILTER (WHERE list_contains(redirect_to, 'twitter_dm')) AS "redirect_to:twitter_dm_k"
FROM read_parquet('{tables}/interactions.parquet')
GROUP BY company ORDER BY stories DESC, company;
