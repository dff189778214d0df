-- 03_audiences.sql: marketing audiences, one view per channel, holding only the people
-- contactable on that channel for marketing.
--
-- These views are what the `marketing` role of `amigo serve` reads (its default allow-list is
-- analytics.audience_*) and what an export of an audience selects from. They are views, not
-- tables: they read unified.consent_state each time, so an opt-out (an opposition recorded by
-- `amigo gdpr request oppose`, which rebuilds the consent state at once) removes the person
-- from every audience immediately, without re-running anything else. A person with no consent
-- row for the channel, a pending double opt-in or an opt-out in any of their merged records is
-- not in the audience (see 02_state.sql).
--
-- requires: unified.consent_state

CREATE SCHEMA IF NOT EXISTS analytics;

CREATE OR REPLACE VIEW analytics.audience_email AS
SELECT c.unified_id, c.civility, c.first_name, c.last_name, c.email, c.preferred_language,
       c.preferred_store_id, s.decided_at AS consent_since
FROM unified.customers c
JOIN unified.consent_state s ON s.unified_id = c.unified_id
WHERE s.channel = 'email' AND s.purpose = 'marketing' AND s.contactable
  AND c.email IS NOT NULL;

CREATE OR REPLACE VIEW analytics.audience_sms AS
SELECT c.unified_id, c.civility, c.first_name, c.last_name, c.phone_e164, c.preferred_language,
       c.preferred_store_id, s.decided_at AS consent_since
FROM unified.customers c
JOIN unified.consent_state s ON s.unified_id = c.unified_id
WHERE s.channel = 'sms' AND s.purpose = 'marketing' AND s.contactable
  AND c.phone_e164 IS NOT NULL;

CREATE OR REPLACE VIEW analytics.audience_phone AS
SELECT c.unified_id, c.civility, c.first_name, c.last_name, c.phone_e164, c.preferred_language,
       c.preferred_store_id, s.decided_at AS consent_since
FROM unified.customers c
JOIN unified.consent_state s ON s.unified_id = c.unified_id
WHERE s.channel = 'phone' AND s.purpose = 'marketing' AND s.contactable
  AND c.phone_e164 IS NOT NULL;

CREATE OR REPLACE VIEW analytics.audience_post AS
SELECT c.unified_id, c.civility, c.first_name, c.last_name, c.address_line1, c.address_line2,
       c.postal_code, c.city, c.country_iso2, c.preferred_store_id, s.decided_at AS consent_since
FROM unified.customers c
JOIN unified.consent_state s ON s.unified_id = c.unified_id
WHERE s.channel = 'post' AND s.purpose = 'marketing' AND s.contactable
  AND c.address_line1 IS NOT NULL;
