-- Per-workflow inbound webhook secrets (issue 11). The secret is shown once to whoever created or
-- rotated it; the row keeps it sealed: AES-256-GCM under WORKFLOW_SECRETS_KEY
-- ('aes256gcm:v1:<key id>:<iv>:<tag>:<ciphertext>'), or 'plain:<secret>' when no key is configured.
-- A WEBHOOK workflow without one (created before this migration) falls back to
-- WORKFLOW_WEBHOOK_SECRET until its secret is rotated.
ALTER TABLE workflows ADD COLUMN webhook_secret text;
ALTER TABLE workflows ADD COLUMN webhook_secret_rotated_at timestamptz;
-- The activation policy lives in tenants.settings -> 'workflows' -> 'activationRequiresApproval'
-- (jsonb, no column); an activation approval names its workflow as subject ('workflow', id).
CREATE INDEX approvals_subject_pending_idx ON approvals (tenant_id, subject_type, subject_id) WHERE status = 'pending';
