"""Accounts: users, password hashing, sign-up, log-in and log-out pages."""
