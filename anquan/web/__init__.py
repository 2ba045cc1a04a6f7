"""The officials' pages (FastAPI, server-rendered Jinja2): create_app(app) in anquan.web.app."""
