"""`python -m anquan.cli`: the same as the `anquan` command."""

from anquan.cli import main

main()
