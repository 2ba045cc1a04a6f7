"""Package data: the mail (mail/) and document (documents/) templates, found through importlib.resources."""
