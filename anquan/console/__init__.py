"""The county office's console: the year at a glance over the cycle's obligations (and, later, its forms)."""
