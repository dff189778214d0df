-- 00_contactability.sql: who may receive marketing on which channel and, if not, why — the
-- rule every audience export applies (`amigo export`), readable by Flight SQL clients too.
--
-- Reads unified.customers (`amigo resolve`) and unified.consent_state (sql/consent/02_state.sql:
-- per person, channel and purpose the most restrictive of their records' latest events, so an
-- opt-out anywhere wins and an unconfirmed double opt-in is not an opt-in). Erased people are
-- no longer in unified.customers and cannot come back (see `amigo gdpr`).
--
-- marketing.contactability: one row per unified customer and channel (email, sms, phone,
-- post) with the contact point and `excluded_because`, NULL when the person may be contacted:
--   no_consent             no marketing consent ever recorded for the channel
--   opted_out              an opt-out (or an opposition) in any of their records
--   double_opt_in_pending  signed up but never confirmed
--   no_contact_point       no email / phone / postal address
--   invalid_contact_point  the email is not valid; for SMS the number is not a mobile;
--                          a postal address lacks its postcode or city
--   suppressed             on marketing.do_not_contact (by contact point or unified id)

CREATE SCHEMA IF NOT EXISTS marketing;

-- The brand's own do-not-contact list: bounces, complaints, a national opt-out register.
-- `contact` is a normalized email, an E.164 phone or a unified id; `channel` NULL means every
-- channel.
CREATE TABLE IF NOT EXISTS marketing.do_not_contact (
    channel  VARCHAR,
    contact  VARCHAR NOT NULL,
    reason   VARCHAR NOT NULL,
    added_at TIMESTAMP NOT NULL
);

-- Every export: who, when, what, how many, and the excluded by reason.
CREATE TABLE IF NOT EXISTS marketing.exports (
    export_id    VARCHAR NOT NULL,
    exported_at  TIMESTAMP NOT NULL,
    exported_by  VARCHAR NOT NULL,
    segment      VARCHAR NOT NULL,
    channel      VARCHAR NOT NULL,
    format       VARCHAR NOT NULL,
    destination  VARCHAR NOT NULL,
    diff         BOOLEAN NOT NULL,
    members      BIGINT NOT NULL,   -- in the segment
    audience     BIGINT NOT NULL,   -- of whom contactable: the full audience
    added        BIGINT NOT NULL,   -- since the previous export of this segment and channel
    removed      BIGINT NOT NULL,
    rows_written BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS marketing.export_exclusions (
    export_id VARCHAR NOT NULL,
    reason    VARCHAR NOT NULL,
    people    BIGINT NOT NULL
);
-- Each export's full audience, so the next `--diff` export knows what the tool already has.
CREATE TABLE IF NOT EXISTS marketing.export_snapshots (
    export_id  VARCHAR NOT NULL,
    unified_id VARCHAR NOT NULL
);

CREATE OR REPLACE VIEW marketing.contactability AS
WITH channels AS (
    SELECT * FROM (VALUES ('email'), ('sms'), ('phone'), ('post')) AS v(channel)
),
contact AS (
    SELECT c.unified_id, ch.channel, c.first_name, c.last_name, c.preferred_language,
           c.email, c.phone_e164, c.address_line1, c.address_line2, c.postal_code, c.city,
           c.country_iso2,
           CASE ch.channel
               WHEN 'email' THEN normalize_email(c.email)
               WHEN 'post' THEN c.address_line1
               ELSE c.phone_e164
           END AS contact_point,
           -- What was given, valid or not: a malformed email is invalid, not missing.
           nullif(trim(CASE ch.channel
               WHEN 'email' THEN c.email
               WHEN 'post' THEN c.address_line1
               ELSE c.phone_e164
           END), '') IS NOT NULL AS given,
           CASE ch.channel
               WHEN 'email' THEN coalesce(is_valid_email(c.email), false)
               WHEN 'sms' THEN coalesce(phone_type(c.phone_e164) IN ('mobile', 'fixed_line_or_mobile'), false)
               WHEN 'phone' THEN coalesce(is_valid_phone(c.phone_e164), false)
               ELSE c.postal_code IS NOT NULL AND c.city IS NOT NULL
           END AS usable
    FROM unified.customers c
    CROSS JOIN channels ch
),
suppressed AS (
    SELECT x.unified_id, x.channel
    FROM contact x
    JOIN marketing.do_not_contact d ON d.contact = x.contact_point
    WHERE d.channel IS NULL OR d.channel = x.channel
    UNION
    SELECT x.unified_id, x.channel
    FROM contact x
    JOIN marketing.do_not_contact d ON d.contact = x.unified_id
    WHERE d.channel IS NULL OR d.channel = x.channel
)
SELECT x.unified_id, x.channel, x.contact_point, x.first_name, x.last_name,
       x.preferred_language, x.email, x.phone_e164, x.address_line1, x.address_line2,
       x.postal_code, x.city, x.country_iso2,
       s.status AS consent_status,
       CASE
           WHEN s.status IS NULL THEN 'no_consent'
           WHEN s.status = 'opt_out' THEN 'opted_out'
           WHEN s.status = 'pending_double_opt_in' THEN 'double_opt_in_pending'
           WHEN NOT s.contactable THEN s.status
           WHEN NOT x.given THEN 'no_contact_point'
           WHEN x.contact_point IS NULL OR NOT x.usable THEN 'invalid_contact_point'
           WHEN p.unified_id IS NOT NULL THEN 'suppressed'
       END AS excluded_because
FROM contact x
LEFT JOIN unified.consent_state s
       ON s.unified_id = x.unified_id AND s.channel = x.channel AND s.purpose = 'marketing'
LEFT JOIN suppressed p ON p.unified_id = x.unified_id AND p.channel = x.channel;
