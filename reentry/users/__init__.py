"""Administration of accounts (the rules live in reentry.auth.services)."""
