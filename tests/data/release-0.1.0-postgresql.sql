-- The schema and rows release 0.1.0 (commit 990c038) kept on PostgreSQL, for the upgrade test.
CREATE TABLE call_results (
	id SERIAL NOT NULL, 
	token_hash VARCHAR(64) NOT NULL, 
	item_id VARCHAR(200) NOT NULL, 
	attempt_count INTEGER NOT NULL, 
	campaign_id VARCHAR(200), 
	received_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	payload TEXT NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	tag_name VARCHAR(200), 
	claimed_at TIMESTAMP WITH TIME ZONE, 
	reply_ts VARCHAR(32), 
	forward_state VARCHAR(16), 
	forward_attempts INTEGER, 
	forward_after TIMESTAMP WITH TIME ZONE, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_call_results_delivery UNIQUE (token_hash, item_id, attempt_count)
);
CREATE INDEX ix_call_results_forward_state ON call_results (forward_state);
CREATE INDEX ix_call_results_state ON call_results (state);
CREATE TABLE campaign_creations (
	key VARCHAR(255) NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	fingerprint VARCHAR(64) NOT NULL, 
	draft_input TEXT NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	channel_id VARCHAR(64) NOT NULL, 
	campaign_id VARCHAR(200), 
	campaign_json TEXT, 
	agent_name VARCHAR(200), 
	attempts INTEGER NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	late_lookup TEXT, 
	PRIMARY KEY (key)
);
CREATE TABLE channel_preferences (
	channel_id VARCHAR(64) NOT NULL, 
	agent_id VARCHAR(200), 
	phone_number VARCHAR(64), 
	timezone VARCHAR(64), 
	max_retries INTEGER, 
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (channel_id)
);
CREATE TABLE create_attempts (
	id SERIAL NOT NULL, 
	at TIMESTAMP WITH TIME ZONE NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	channel_id VARCHAR(64) NOT NULL, 
	creation_key VARCHAR(255) NOT NULL, 
	fingerprint VARCHAR(64), 
	outcome VARCHAR(16) NOT NULL, 
	campaign_id VARCHAR(200), 
	detail VARCHAR(500), 
	PRIMARY KEY (id)
);
CREATE INDEX ix_create_attempts_creation_key ON create_attempts (creation_key);
CREATE TABLE notices (
	channel_id VARCHAR(64) NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	kind VARCHAR(64) NOT NULL, 
	shown_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (channel_id, user_id, kind)
);
CREATE TABLE webhook_subscriptions (
	token_hash VARCHAR(64) NOT NULL, 
	channel_id VARCHAR(64) NOT NULL, 
	campaign_id VARCHAR(200), 
	forward_url VARCHAR(2000), 
	created_by VARCHAR(64) NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	thread_ts VARCHAR(32), 
	root_message TEXT, 
	creation_key VARCHAR(255), 
	PRIMARY KEY (token_hash)
);
CREATE INDEX ix_webhook_subscriptions_creation_key ON webhook_subscriptions (creation_key);
INSERT INTO campaign_creations (key, state, fingerprint, draft_input, user_id, channel_id, campaign_id, campaign_json, agent_name, attempts, created_at, updated_at, late_lookup) VALUES ('V0CREATED', 'created', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '{"name": "Relance Q4", "agent_id": "agent-1"}', 'U0ALICE', 'C0SALES', 'cmp-1', '{"id": "cmp-1", "name": "Relance Q4", "webhookUrl": "https://bot.example.com/starleads/webhook/oldReleaseToken_0123456789abcdefghijklmnopq"}', 'Claire', 1, '2026-11-27 10:30:00+00:00', '2026-11-27 10:30:00+00:00', NULL);
INSERT INTO campaign_creations (key, state, fingerprint, draft_input, user_id, channel_id, campaign_id, campaign_json, agent_name, attempts, created_at, updated_at, late_lookup) VALUES ('V0UNKNOWN', 'unknown', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', '{"name": "Relance Q1", "agent_id": "agent-1"}', 'U0ALICE', 'C0SALES', NULL, NULL, NULL, 2, '2026-11-27 10:30:00+00:00', '2026-11-27 10:30:00+00:00', '{"before": ["cmp-0"], "fields": {"name": "Relance Q1"}}');
INSERT INTO channel_preferences (channel_id, agent_id, phone_number, timezone, max_retries, updated_at) VALUES ('C0SALES', 'agent-1', '+33123456789', 'Europe/Paris', 3, '2026-11-27 10:30:00+00:00');
INSERT INTO create_attempts (at, user_id, channel_id, creation_key, fingerprint, outcome, campaign_id, detail) VALUES ('2026-11-27 10:30:00+00:00', 'U0ALICE', 'C0SALES', 'V0CREATED', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'created', 'cmp-1', 'campaign_id=cmp-1') RETURNING create_attempts.id;
INSERT INTO create_attempts (at, user_id, channel_id, creation_key, fingerprint, outcome, campaign_id, detail) VALUES ('2026-11-27 10:30:00+00:00', 'U0ALICE', 'C0SALES', 'V0UNKNOWN', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 'unknown', NULL, 'no answer') RETURNING create_attempts.id;
INSERT INTO notices (channel_id, user_id, kind, shown_at) VALUES ('G0PRIVATE', 'U0ALICE', 'invite', '2026-11-27 10:30:00+00:00');
INSERT INTO webhook_subscriptions (token_hash, channel_id, campaign_id, forward_url, created_by, created_at, thread_ts, root_message, creation_key) VALUES ('cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc', 'C0SALES', 'cmp-1', 'https://crm.example/hooks', 'U0ALICE', '2026-11-27 10:30:00+00:00', '1764239400.000100', '{"text": "New Starleads campaign", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "card"}}]}', NULL);
INSERT INTO webhook_subscriptions (token_hash, channel_id, campaign_id, forward_url, created_by, created_at, thread_ts, root_message, creation_key) VALUES ('dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd', 'G0PRIVATE', NULL, NULL, 'U0ALICE', '2026-11-27 10:30:00+00:00', NULL, NULL, 'V0WAITING');
INSERT INTO call_results (token_hash, item_id, attempt_count, campaign_id, received_at, payload, state, tag_name, claimed_at, reply_ts, forward_state, forward_attempts, forward_after) VALUES ('cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc', 'item-1', 1, 'cmp-1', '2026-11-27 10:30:00+00:00', '{"ItemId": "item-1", "TagName": "Appointment"}', 'posted', 'Appointment', '2026-11-27 10:30:00+00:00', '1764239401.000200', 'forwarded', 1, NULL) RETURNING call_results.id;
INSERT INTO call_results (token_hash, item_id, attempt_count, campaign_id, received_at, payload, state, tag_name, claimed_at, reply_ts, forward_state, forward_attempts, forward_after) VALUES ('cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc', 'item-2', 1, 'cmp-1', '2026-11-27 10:30:00+00:00', '{"ItemId": "item-2", "TagName": "Appointment"}', 'pending', 'Appointment', NULL, NULL, 'pending', 0, NULL) RETURNING call_results.id;
INSERT INTO call_results (token_hash, item_id, attempt_count, campaign_id, received_at, payload, state, tag_name, claimed_at, reply_ts, forward_state, forward_attempts, forward_after) VALUES ('cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc', 'item-3', 1, 'cmp-1', '2026-11-27 10:30:00+00:00', '{"ItemId": "item-3", "TagName": "Appointment"}', 'dead', 'Appointment', '2026-11-27 10:30:00+00:00', NULL, 'dead', 1, NULL) RETURNING call_results.id;
