"""Campaign drafts: what a user asks for, checked before Starleads sees it, and how it gets created."""
