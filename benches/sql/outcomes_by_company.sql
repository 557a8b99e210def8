-- DuckDB equivalent of queries/outcomes_by_company.toml (resolution columns, the moves
-- shares from the list column, one sentiment share).
SELECT company, count(*) AS stories,
       count(*) FILTER (WHERE resolution = 'resolved') AS resolved,
       count(*) FILTER (WHERE resolution = 'unresolved') AS unresolved,
       count(*) FILTER (WHERE resolution NOT IN ('resolved', 'unresolved')) AS resolution_unknown,
       count(*) FILTER (WHERE resolution = 'resolved') / nullif(count(*) FILTER (WHERE resolution IN ('resolved', 'unresolved')), 0) AS resolution_rate,
       count(*) FILTER (WHERE list_contains(moves, 'apology')) AS "moves:apology_k",
       count(*) FILTER (WHERE list_contains(moves, 'redirect')) AS "moves:redirect_k",
       count(*) FILTER (WHERE sentiment = 'negative') AS "sentiment:negative_k"
FROM read_parquet('{tables}/interactions.parquet')
GROUP BY company ORDER BY stories DESC, company;
