-- HVC per month: the top `hvc_top_mrr_pct` percent (default 20) of the accounts active at the
-- month's start, by their MRR then. A month's flags depend on that month alone, so the months
-- that arrive later never change them. `account.hvc` is the HVC of the store's last month: the
-- triage queue and the account view read it. A refresh of the months from M on replaces the
-- floor '0000-00' below by M (`store::rollup`); as written it covers every month.
UPDATE account_month SET hvc = 0 WHERE hvc <> 0 AND period >= '0000-00';
UPDATE account_month SET hvc = 1
WHERE (account_id, period) IN (
    SELECT account_id, period FROM (
        SELECT account_id, period,
               percent_rank() OVER (PARTITION BY period ORDER BY mrr_start DESC) AS pr
        FROM account_month WHERE mrr_start IS NOT NULL AND period >= '0000-00'
    )
    WHERE pr < coalesce((SELECT CAST(value AS REAL) FROM setting WHERE key = 'hvc_top_mrr_pct'), 20) / 100.0
);
UPDATE account SET hvc = coalesce(
    (SELECT h.hvc FROM account_month h
     WHERE h.account_id = account.account_id
       AND h.period = (SELECT max(period) FROM account_month WHERE mrr_start IS NOT NULL)),
    0);
