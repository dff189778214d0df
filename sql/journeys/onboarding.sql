-- journey: onboarding
-- description: New customers from their first record: J+1 welcome, J+3 discovery, J+7 first-purchase offer (only to those who have not bought), J+14 complete your profile (only when birth date, phone or address is missing), J+30 introduce the associate (only with a preferred store).
CREATE OR REPLACE VIEW journeys.onboarding AS
WITH signed_up AS (
    SELECT c.unified_id,
           CAST(c.first_seen_at AS DATE) AS signed_up_on,
           coalesce(v.orders, 0) > 0 AS has_bought,
           c.birth_date IS NULL OR c.phone_e164 IS NULL OR c.address_line1 IS NULL AS profile_incomplete,
           c.preferred_store_id
    FROM unified.customers c
    LEFT JOIN segments.customer_value v ON v.unified_id = c.unified_id
    WHERE c.first_seen_at IS NOT NULL
)
SELECT s.journey, s.step, u.unified_id,
       CAST(u.signed_up_on AS VARCHAR) AS occasion,
       CAST(CAST(u.signed_up_on AS INT) + s.offset_days AS DATE) AS due_on,
       CASE WHEN s.step = 'introduce_associate' THEN u.preferred_store_id END AS detail
FROM signed_up u
CROSS JOIN journeys.steps s
CROSS JOIN segments.reference_date d
WHERE s.journey = 'onboarding'
  AND d.as_of - u.signed_up_on BETWEEN s.offset_days AND s.offset_days + s.catch_up_days
  AND (s.step <> 'first_purchase_offer' OR NOT u.has_bought)
  AND (s.step <> 'complete_profile' OR u.profile_incomplete)
  AND (s.step <> 'introduce_associate' OR u.preferred_store_id IS NOT NULL);
