"""HTTP endpoints that services other than Slack call: Starleads' call-result webhooks."""
