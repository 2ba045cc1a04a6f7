"""What a run did, as the markdown of its Prefect artifact (read by IT: English; names and addresses as stored)."""

from __future__ import annotations

from collections import defaultdict

LISTED = 20  # recipients named per kind of mail; the rest counted


def who(rows: list[dict]) -> str:
    """`- reminder (12): 张三 <a@x.cn>, ... and 2 more`, one line per kind of mail; 'nobody' when none."""
    by_template: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_template[r["template"]].append(r)
    lines = []
    for template, group in sorted(by_template.items()):
        names = ", ".join(f"{r['to_name']} <{r['to_addr']}>" for r in group[:LISTED])
        more = f" and {len(group) - LISTED} more" if len(group) > LISTED else ""
        lines.append(f"- {template} ({len(group)}): {names}{more}")
    return "\n".join(lines) or "- nobody"


def delivery(report: dict, sent: list[dict]) -> str:
    errors = "\n".join(f"- {e}" for e in report["errors"][:LISTED])
    return (f"# Delivery ({report['backend']}: {report['where']})\n\n"
            f"- sent: {report['sent']}\n- deferred (retried later): {report['deferred']}\n- failed: {report['failed']}\n\n"
            f"## Mailed\n\n{who(sent)}\n"
            + (f"\n## Problems\n\n{errors}\n" if errors else ""))


def _entered(title: str, result: dict, queued: list[dict], dates: str, obligations: str) -> str:
    """A campaign or major event started by hand: what it is, what it created, who was mailed."""
    return (f"# {title} {result['name']}\n\n"
            f"- {'entered now' if result.get('created', True) else 'entered before, with these parameters: nothing new'}\n"
            f"- {dates}\n- townships ({len(result['townships'])}): {', '.join(result['townships'])}\n"
            f"- {obligations}: {len(result.get('obligation_ids') or [])}\n"
            f"- mails queued: {result['mails_queued']}\n\n## Mailed\n\n{who(queued)}\n")


def campaign(result: dict, queued: list[dict]) -> str:
    return _entered("Special campaign", result, queued,
                    f"sectors: {', '.join(result.get('sectors') or [])}; from {result.get('from')} to {result.get('to')}, "
                    f"summaries due {result.get('summary_due')}", "campaign obligations (a summary per township)")


def major_event(result: dict, queued: list[dict]) -> str:
    return _entered("Major event", result, queued,
                    f"from {result.get('from')} to {result.get('to')}, inspections due {result.get('inspection_due')}",
                    "inspection obligations (one per township)")


def pruning(day, report: dict, runs: int, runs_before) -> str:
    verb = "would lose" if report["dry_run"] else "lost"
    return (f"# Pruning {day.isoformat()}{' (dry run)' if report['dry_run'] else ''}\n\n"
            f"- mail of ticks before {report['before']}: {report['messages']} messages {verb} their bodies "
            f"({report['body_bytes'] / 1048576:.1f} MiB); who, what, when and the key are kept\n"
            f"- notices that {verb} their lists of others told: {report['notices']}\n"
            f"- this installation's finished Prefect flow runs expected before {runs_before:%Y-%m-%d %H:%M %Z}: "
            f"{runs} {'would be deleted' if report['dry_run'] else 'deleted'}\n")
