"""Local HTTP stand-ins for Slack's Web API and for Starleads: real sockets, recorded calls."""
