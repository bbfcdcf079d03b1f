-- HVC per month is decided with the account months (`account_month.rs`): the top
-- `hvc_top_mrr_pct` percent (default 20) of the accounts active at the month's start, by their MRR
-- then. A month's flags depend on that month alone, so the months that arrive later never change
-- them. `account.hvc` is the HVC of the store's last month: the triage queue and the account view
-- read it.
UPDATE account SET hvc = coalesce(
    (SELECT h.hvc FROM account_month h
     WHERE h.account_id = account.account_id
       AND h.period = (SELECT max(period) FROM account_month WHERE mrr_start IS NOT NULL)),
    0);
