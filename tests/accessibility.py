"""axe-core in a real page: the WCAG 2.1 A/AA rules and axe's best practices.

axe-core comes from the npm registry (`make test` installs it into .tools/axe); it is injected into
the page under test and run there, as a browser extension would."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AXE_JS = ROOT / ".tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

_RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
  }));
}"""


def axe_violations(page) -> list[dict]:
    """The page's violations as it is now: rule id, impact, help text and up to five elements."""
    if not AXE_JS.exists():
        raise FileNotFoundError(f"{AXE_JS} is missing: `make test` installs axe-core")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(_RUN_AXE, RULE_TAGS)


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}, {v['count']} elements): {v['help']} — {', '.join(v['nodes'])}" for v in violations
    )
