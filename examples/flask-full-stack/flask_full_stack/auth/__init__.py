"""Accounts: the users table, sign-up and log-in forms, and session login."""
