"""Accounts, passwords, login sessions and access rules."""
