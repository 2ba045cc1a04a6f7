"""The console's accounts: made from directory contacts, signed in with a password, every change audited."""
