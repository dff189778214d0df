-- 00_journeys.sql: what every journey shares — the reference date, the steps' catalog and the
-- deliveries log that makes sure nobody gets the same step twice.
--
-- A journey is a view journeys.<name> with one row per person and step that is due on the
-- reference date (segments.settings.as_of, else today; set it with `amigo segment as-of`):
--   journey     the journey's name
--   step        the step's name, from journeys.steps
--   unified_id  who
--   occasion    what the step is about: the sign-up day, the lapse, the order, the year of a
--               birthday... A step is sent once per person and occasion, ever.
--   due_on      the day it became due
--   detail      what the message needs (a category, an order number, a value band), or NULL
-- `amigo journey deliver` records the due rows in journeys.deliveries, after which
-- journeys.due no longer shows them.
--
-- Runs after 00_customer_value.sql of the segments (`amigo segment install`).

CREATE SCHEMA IF NOT EXISTS journeys;

CREATE TABLE IF NOT EXISTS journeys.deliveries (
    journey      VARCHAR NOT NULL,
    step         VARCHAR NOT NULL,
    unified_id   VARCHAR NOT NULL,
    occasion     VARCHAR NOT NULL,
    due_on       DATE NOT NULL,
    detail       VARCHAR,
    delivered_at TIMESTAMP NOT NULL
);

-- The steps, in the order a person meets them. `offset_days` counts from the occasion; a step
-- that is late (the daily job did not run) stays due for `catch_up_days` more days, then is
-- missed rather than sent out of context (no "welcome" a year after sign-up). A NULL
-- catch_up_days: due for as long as the person qualifies (the journey's view says when).
CREATE OR REPLACE VIEW journeys.steps AS
SELECT * FROM (VALUES
    ('onboarding',    'welcome',              1,   6),
    ('onboarding',    'discovery',            3,   6),
    ('onboarding',    'first_purchase_offer', 7,   6),
    ('onboarding',    'complete_profile',     14,  6),
    ('onboarding',    'introduce_associate',  30,  6),
    ('reactivation',  'win_back',             181, 548),
    ('cross_sell',    'suggest_category',     0,   NULL),
    ('vip',           'vip_welcome',          0,   NULL),
    ('vip',           'birthday',             -7,  7),
    ('post_purchase', 'thank_you',            1,   6),
    ('post_purchase', 'review_request',       14,  6)
) AS v(journey, step, offset_days, catch_up_days);
