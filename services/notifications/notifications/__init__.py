"""Notifications: E-mails to people that follow the platform's domain events, sent exactly once."""
