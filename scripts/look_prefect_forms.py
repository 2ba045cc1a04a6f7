"""Screenshots of Prefect's own forms for the two flows started by hand, for a person to look at after a change to
their parameters or a Prefect upgrade (what the county office sees; the tests check the schema itself).

    .venv/bin/python scripts/look_prefect_forms.py [--prefect http://127.0.0.1:4200] [--installation anquan] OUTDIR

Needs a running Prefect server with the installation's deployments (`anquan serve`, or `anquan deploy` against a
server) and Debian's chromium. Writes into OUTDIR, for special_campaign and major_event:
  <flow>-form.png       the empty form: Chinese names and hints, 全部乡镇 chosen
  <flow>-choices.png    the first multiple choice opened (the sectors, or the event's townships)
  <flow>-missing.png    submitted empty: every missing field marked at once (in Prefect's own sentences)
Nothing is started: the empty form is refused by the schema before a run exists.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--prefect", default="http://127.0.0.1:4200", help="the Prefect server's address (UI and API)")
    parser.add_argument("--installation", default="anquan", help="the deployments' name (ANQUAN_INSTALLATION)")
    args = parser.parse_args()
    args.outdir.mkdir(parents=True, exist_ok=True)
    ui = args.prefect.rstrip("/")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
        for flow in ("special_campaign", "major_event"):
            found = httpx.get(f"{ui}/api/deployments/name/{flow}/{args.installation}", timeout=10)
            found.raise_for_status()
            page.goto(f"{ui}/deployments/deployment/{found.json()['id']}/run")
            page.locator("button.p-select-button__control").first.wait_for(timeout=30_000)
            page.screenshot(path=str(args.outdir / f"{flow}-form.png"), full_page=True)
            # Prefect's select opens from the keyboard (a plain click did not open it in headless Chromium).
            page.locator("button.p-select-button__control").first.focus()
            page.keyboard.press("ArrowDown")
            page.locator("[role=option], li").first.wait_for(timeout=10_000)
            page.screenshot(path=str(args.outdir / f"{flow}-choices.png"))
            print(f"{flow}: choices {page.locator('[role=option], li').all_inner_texts()}")
            page.keyboard.press("Escape")
            page.get_by_role("button", name="Submit").click()
            page.wait_for_timeout(1500)
            page.screenshot(path=str(args.outdir / f"{flow}-missing.png"), full_page=True)
        browser.close()
    print(f"screenshots in {args.outdir}")


if __name__ == "__main__":
    main()
