-- overview.sql: the lake at a glance.
--
-- The first thing to run on a new lake: what each source holds, how much the sources overlap,
-- where the revenue comes from, and how many people can be contacted on each channel.
-- Run it with `amigo sql -f sql/overview.sql` (add --format table when piping).

-- 1. Customer records per source, and how complete their contact points are.
SELECT
    source_system,
    count(*)                                          AS records,
    count(email)                                      AS with_email,
    count(phone)                                      AS with_phone,
    count(birth_date)                                 AS with_birth_date,
    min(created_at)                                   AS first_created,
    max(updated_at)                                   AS last_updated
FROM raw.customer_records
GROUP BY source_system
ORDER BY source_system;

-- 2. Overlap between sources on the crudest key there is: the email, trimmed and lower-cased.
--    Identity resolution finds far more than this (typos, nicknames, moved people...); this is
--    the floor that marketing already reconciles by hand.
WITH emails AS (
    SELECT DISTINCT source_system, lower(trim(email)) AS email
    FROM raw.customer_records
    WHERE email IS NOT NULL AND trim(email) <> ''
)
SELECT
    count(*) FILTER (WHERE sources = 1)               AS emails_in_one_source,
    count(*) FILTER (WHERE sources = 2)               AS emails_in_two_sources,
    count(*) FILTER (WHERE sources = 3)               AS emails_in_three_sources
FROM (SELECT email, count(*) AS sources FROM emails GROUP BY email);

-- 3. Revenue by store (e-commerce has no store), in each store's own currency.
SELECT
    coalesce(s.name, 'e-commerce')                    AS store,
    coalesce(s.region, 'online')                      AS region,
    o.currency,
    count(*)                                          AS orders,
    sum(o.total_amount)                               AS revenue,
    round(avg(o.total_amount), 2)                     AS average_basket
FROM raw.orders o
LEFT JOIN raw.stores s ON s.store_id = o.store_id
WHERE o.status <> 'cancelled'
GROUP BY 1, 2, 3
ORDER BY region, store, currency;

-- 4. Consent: each record's latest choice per channel (marketing purpose), counted by status.
WITH latest AS (
    SELECT source_system, customer_source_id, channel, status,
           row_number() OVER (PARTITION BY source_system, customer_source_id, channel
                              ORDER BY recorded_at DESC, event_id DESC) AS rank
    FROM raw.consent_events
    WHERE purpose = 'marketing'
)
SELECT
    channel,
    count(*) FILTER (WHERE status = 'opt_in')                AS opted_in,
    count(*) FILTER (WHERE status = 'opt_out')               AS opted_out,
    count(*) FILTER (WHERE status = 'pending_double_opt_in') AS pending_double_opt_in
FROM latest
WHERE rank = 1
GROUP BY channel
ORDER BY channel;
