"""The JSON API under /api/v1/ for the jail's own systems (JMS, health record, health department).

Integrations sign in with an API key (Authorization: Bearer KEY), never a cookie: keys are made by
admins, scoped to facilities and to read or write, stored hashed, revocable and expiring.
"""
