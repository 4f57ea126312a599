"""Write the Word report with docxtpl on `templates/bao-cao.docx`, and the same report as plain text."""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docxtpl import DocxTemplate

from ..atomic import atomic_output, check_output
from ..catalog import Catalog
from ..errors import XltoolsError
from ..grid import DEFAULT_LIMITS, Limits
from ..numbers import format_number
from ..submission import Submission
from .context import FOOTNOTE, ReportContext, build_context, read_report_source
from .footnotes import add_footnotes, footnotes_part, reference_xml
from .sentences import PERCENT_DECIMALS, render

if TYPE_CHECKING:
    from ..merge import Ranking

__all__ = ["write_report", "report_workbook", "report_text", "render_docx", "TEMPLATE"]

TEMPLATE = "bao-cao.docx"
STYLES = {
    "part": "BC Phần", "part_title": "BC Phần", "heading1": "BC Mục", "heading2": "BC Khoản",
    "heading3": "BC Khoản", "point": "BC Điểm", "text": "BC Nội dung", "bullet": "BC Nội dung",
    "chart": "BC Hình", "caption": "BC Chú thích hình", "trend_chart": "BC Hình",
}
# Appendix column widths in cm; they fill the 26,2 cm between the landscape margins.
COLUMN_WIDTHS = (1.0, 7.6, 2.2, 2.3, 2.3, 2.3, 2.0, 2.0, 2.5, 2.0)
NUMBER_COLUMNS = {3, 4, 5, 6, 7, 9}
CHART_WIDTH = Cm(24)  # on the appendix's landscape page
TREND_CHART_WIDTH = Cm(16)  # in the body, on a portrait page


def write_report(submission: Submission, catalog: Catalog, output: str | Path, *, ranking: Ranking | None = None,
                 template: str | Path | None = None, date: dt.date | None = None, force: bool = False,
                 series: dict[str, dict[int, float]] | None = None) -> Path:
    """Write the Word report of `submission` (judged by `catalog`) to `output`, whole or not at all; return its path.

    `ranking` (a city result's) names the leading and lagging units; `template` replaces the
    bundled `templates/bao-cao.docx`; `date` fills the place-and-date line (left blank for a
    draft when None); `series` (code -> year -> actual, see `xltools.archive.series`) adds the key
    targets' trends. Raise OutputExists when `output` exists and `force` is not set.
    """
    output = Path(output)
    check_output(output, force)
    context = build_context(submission, catalog, ranking, date, series)
    data = render_docx(context, template)
    with atomic_output(output, force=force) as temporary:
        temporary.write_bytes(data)
    return output


def report_workbook(workbook: str | Path, output: str | Path, *, template: str | Path | None = None,
                    catalog: Catalog | None = None, date: dt.date | None = None, force: bool = False,
                    limits: Limits = DEFAULT_LIMITS, archive=None) -> Path:
    """Write the Word report of the workbook file `workbook` to `output`: `write_report` on what it holds.

    `catalog` replaces the one `judging_catalog` chooses for the workbook; an `archive`
    (xltools.archive.Archive) gives the key targets' series over the years.
    """
    check_output(Path(output), force)
    submission, catalog, ranking = read_report_source(workbook, catalog, limits)
    series = None
    if archive is not None and submission.period is not None and submission.year:
        from ..archive import series as archived_series

        series = archived_series(archive, submission.unit_code, submission.period_label,
                                 [ind.code for ind in catalog.key_targets], submission.year - 1)
    return write_report(submission, catalog, output, ranking=ranking, template=template, date=date, force=force,
                        series=series)


def _template(template: str | Path | None) -> DocxTemplate:
    if template is None:
        return DocxTemplate(io.BytesIO(resources.files("xltools.templates").joinpath(TEMPLATE).read_bytes()))
    path = Path(template)
    if not path.is_file():
        raise XltoolsError(f"{path}: không tìm thấy mẫu báo cáo (.docx).")
    try:
        tpl = DocxTemplate(str(path))
        tpl.init_docx()
        return tpl
    except Exception as exc:  # a corrupt or non-Word file: python-docx raises many kinds
        raise XltoolsError(f"{path.name}: không mở được mẫu báo cáo Word ({exc}).") from None


def render_docx(context: ReportContext, template: str | Path | None = None) -> bytes:
    """Return the .docx bytes of the report described by `context`."""
    tpl = _template(template)
    tpl.init_docx()
    # Style name -> id, looked up once: python-docx searches every style of the template per paragraph.
    styles = {style.name: style.style_id for style in tpl.docx.styles}
    body = tpl.new_subdoc()
    _add_blocks(body, context.body, context, styles)
    appendix = tpl.new_subdoc()
    _appendix_table(appendix, context, styles)
    _add_blocks(appendix, context.after_appendix, context, styles)
    values = dict(context.header, body=body, appendix=appendix)
    try:
        tpl.render(values, autoescape=True)
    except Exception as exc:  # jinja errors in a template staff edited
        raise XltoolsError(f"Mẫu báo cáo có thẻ jinja sai: {exc}.") from None
    if context.footnotes:
        add_footnotes(footnotes_part(tpl.docx), dict(enumerate(context.footnotes, start=1)))
    stream = io.BytesIO()
    tpl.save(stream)
    return stream.getvalue()


def _add_blocks(subdoc, blocks, context: ReportContext, styles: dict[str, str]) -> None:
    for block in blocks:
        paragraph = subdoc.add_paragraph()
        paragraph._p.style = styles.get(STYLES[block.style])
        if block.style == "chart":
            paragraph.add_run().add_picture(io.BytesIO(chart_png(context)), width=CHART_WIDTH)
        elif block.style == "trend_chart":
            paragraph.add_run().add_picture(io.BytesIO(trend_chart_png(context)), width=TREND_CHART_WIDTH)
        else:
            _add_text(paragraph, block.text)


def _add_text(paragraph, text: str) -> None:
    """Add `text` to `paragraph`, turning footnote markers into real footnote references."""
    position = 0
    for match in FOOTNOTE.finditer(text):
        if match.start() > position:
            paragraph.add_run(text[position:match.start()])
        paragraph._p.append(parse_xml(reference_xml(int(match.group(1)))))
        position = match.end()
    if position < len(text):
        paragraph.add_run(text[position:])


def _cell(cell, text: str, style: str | None, width: float, bold: bool = False, italic: bool = False) -> None:
    """Fill `cell` with `text` in the paragraph style whose id is `style` (None: Normal, 1 pt around)."""
    cell.width = Cm(width)
    paragraph = cell.paragraphs[0]
    if style:
        paragraph._p.style = style
    else:
        paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(1)
    run = paragraph.add_run(text)
    run.font.size = Pt(11)
    run.bold = bold or None
    run.italic = italic or None


def _appendix_table(subdoc, context: ReportContext, styles: dict[str, str]) -> None:
    use = styles.get
    table = subdoc.add_table(rows=1 + len(context.appendix), cols=len(COLUMN_WIDTHS))
    if "BC Bảng phụ lục" in styles:
        table.style = "BC Bảng phụ lục"
    table.autofit = False  # fixed layout: the widths below hold
    for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), COLUMN_WIDTHS):
        column.set(qn("w:w"), str(int(Cm(width).twips)))
    rows = table.rows
    header = rows[0]
    header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for cell, title, width in zip(header.cells, context.appendix_columns, COLUMN_WIDTHS):
        _cell(cell, title, use("BC Bảng tiêu đề"), width, bold=True)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for row, data in zip(rows[1:], context.appendix):
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # a row stays on one page
        cells = row.cells
        if data.group:
            _cell(cells[0], data.cells[0], use("BC Bảng nhóm"), COLUMN_WIDTHS[0], bold=True)
            cells[0].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            merged = cells[1].merge(cells[-1])
            _cell(merged, data.cells[1], use("BC Bảng nhóm"), sum(COLUMN_WIDTHS[1:]), bold=True)
            continue
        for index, (cell, text, width) in enumerate(zip(cells, data.cells, COLUMN_WIDTHS)):
            if index == 1 and data.child:
                text = "- " + text
            style = use("BC Bảng số") if index in NUMBER_COLUMNS else use("BC Bảng")
            _cell(cell, text, style, width, italic=index == 1 and data.child)
            if index in (0, 2, 8):
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def chart_png(context: ReportContext) -> bytes:
    """Return the city chart as PNG: % of plan of each key target, coloured by sector, with the line of the plan
    (100%, or within the year the share of the year) and a mark at last year's pace where a target is judged on it."""
    from matplotlib.figure import Figure

    items = context.chart
    font = _chart_font()
    groups = list(dict.fromkeys(item[0] for item in items))
    colours = ["#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#a5a5a5"]
    colour = {group: colours[i % len(colours)] for i, group in enumerate(groups)}
    height = max(2.2, 0.19 * len(items) + 1.0)  # about 12 cm for 25 targets, so it fits under the summary
    figure = Figure(figsize=(10, height), dpi=200)
    axes = figure.add_subplot()
    names = [_short(item[1]) for item in items][::-1]
    values = [min(item[2], 250.0) for item in items][::-1]
    bars = axes.barh(range(len(items)), values, color=[colour[item[0]] for item in items][::-1], height=0.65)
    for bar, (_, _, pct, pace) in zip(bars, items[::-1]):
        axes.text(bar.get_width() + 2, bar.get_y() + bar.get_height() / 2, format_number(pct, PERCENT_DECIMALS) + "%",
                  va="center", fontproperties=font, fontsize=8)
        if pace is not None:
            axes.plot([min(pace, 250.0)] * 2, [bar.get_y() - 0.1, bar.get_y() + bar.get_height() + 0.1], color="black",
                      linewidth=1.6)
    axes.axvline(context.words["reference"], color="#c00000", linewidth=0.9, linestyle="--")
    axes.set_yticks(range(len(items)), names, fontproperties=font, fontsize=8)
    axes.set_xlim(0, max(values + [100]) * 1.15)
    axes.set_xlabel(render("chart_axis", context.words), fontproperties=font, fontsize=8)
    axes.tick_params(axis="x", labelsize=7)
    axes.xaxis.set_major_formatter(lambda value, _: format_number(value, 0))
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    handles = [axes.barh([0], [0], color=colour[g], label=g) for g in groups]
    legend_font = font.copy()
    legend_font.set_size(8)
    labels = [textwrap.fill(group, 45) for group in groups]
    axes.legend(handles=[h[0] for h in handles], labels=labels, loc="lower center", bbox_to_anchor=(0.4, 1.0),
                ncol=min(len(groups), 3), frameon=False, prop=legend_font)
    for label in axes.get_xticklabels():
        label.set_fontproperties(font)
        label.set_fontsize(8)
    stream = io.BytesIO()
    figure.savefig(stream, format="png", bbox_inches="tight", pad_inches=0.05, metadata={"Software": None})
    return stream.getvalue()


def trend_chart_png(context: ReportContext) -> bytes:
    """Return the trends chart as PNG: one small panel per key target, its actual year by year."""
    from matplotlib.figure import Figure

    trends = context.trends
    font = _chart_font()
    columns = min(3, len(trends))
    rows = -(-len(trends) // columns)
    figure = Figure(figsize=(3.3 * columns, 2.1 * rows), dpi=200)
    for number, trend in enumerate(trends):
        axes = figure.add_subplot(rows, columns, number + 1)
        years = sorted(trend.years)
        values = [trend.years[y] for y in years]
        axes.plot(years, values, color="#1f4e79", marker="o", linewidth=1.4, markersize=3.5)
        axes.set_xticks(years, [str(y) for y in years], fontproperties=font, fontsize=6.5)
        axes.yaxis.set_major_formatter(lambda value, _: format_number(value, 0 if abs(value) >= 100 else 1))
        ind = trend.indicator
        unit = f" ({ind.unit})" if ind.unit else ""
        axes.set_title(textwrap.fill(_short(ind.name, 70) + unit, 38), fontproperties=font, fontsize=7)
        axes.tick_params(axis="y", labelsize=6.5)
        for label in axes.get_yticklabels():
            label.set_fontproperties(font)
            label.set_fontsize(6.5)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.margins(x=0.08, y=0.2)
    figure.tight_layout(pad=0.6)
    stream = io.BytesIO()
    figure.savefig(stream, format="png", bbox_inches="tight", pad_inches=0.05, metadata={"Software": None})
    return stream.getvalue()


@cache
def _chart_font():
    """Return the FontProperties of a Times-like font that has every Vietnamese letter, else DejaVu Sans."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    wanted = ("Times New Roman", "Liberation Serif", "Tinos", "DejaVu Serif")
    for name in wanted:
        for entry in font_manager.fontManager.ttflist:
            if entry.name == name and entry.style == "normal" and entry.weight in (400, "normal", "regular"):
                try:
                    letters = FT2Font(entry.fname).get_charmap()
                except (OSError, RuntimeError):
                    continue
                if all(ord(letter) in letters for letter in "ợữằẫỹđ"):
                    return font_manager.FontProperties(fname=entry.fname)
    return font_manager.FontProperties(family="DejaVu Sans")


def _short(name: str, limit: int = 60) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


# ------------------------------------------------------------------------------------------------- text


def report_text(submission: Submission, catalog: Catalog, ranking: Ranking | None = None,
                date: dt.date | None = None) -> str:
    """Return the report as plain text: header, body (footnote references as [n]), signature, footnotes, appendix."""
    return context_text(build_context(submission, catalog, ranking, date))


def _block_lines(blocks) -> list[str]:
    return ["[Biểu đồ]" if b.style in ("chart", "trend_chart") else FOOTNOTE.sub(lambda m: f"[{m.group(1)}]", b.text) for b in blocks]


def context_text(context: ReportContext) -> str:
    """Return the plain text of the report described by `context`."""
    h = context.header
    lines = [*h["parent_lines"], *h["agency_lines"], f"Số: {h['doc_number']}",
             "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", h["place_date"], "",
             "BÁO CÁO", h["subject"], ""]
    lines += _block_lines(context.body)
    lines += ["", "Nơi nhận:", *(f"- {item}" for item in h["recipients"]), "", *h["signer_lines"], h["signer"]]
    if context.footnotes:
        lines += ["", "Chú thích:", *(f"[{n}] {text}" for n, text in enumerate(context.footnotes, start=1))]
    lines += ["", "Phụ lục", h["appendix_title"], f"({h['appendix_note']})", " | ".join(context.appendix_columns)]
    for row in context.appendix:
        cells = list(row.cells)
        if row.child:
            cells[1] = "- " + cells[1]
        lines.append(" | ".join(cells))
    lines += _block_lines(context.after_appendix)
    return "\n".join(line.replace("\u00a0", " ").rstrip() for line in lines) + "\n"
