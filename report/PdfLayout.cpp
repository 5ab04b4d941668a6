#include "report/PdfLayout.h"

#include <QFontMetricsF>
#include <QPageSize>

#include <algorithm>
#include <numeric>

namespace fedpilot::report {
namespace {
constexpr double kFooterHeight = 28.0;
const QColor kInk(0x22, 0x2b, 0x36);
const QColor kMuted(0x6b, 0x76, 0x82);
const QColor kRule(0xd5, 0xdb, 0xe1);
const QColor kHeaderFill(0xe9, 0xee, 0xf4);
const QColor kZebra(0xf7, 0xf9, 0xfb);
}  // namespace

PdfLayout::PdfLayout(const QString& path, const QString& title)
    : m_writer(std::make_unique<QPdfWriter>(path))
    , m_title(title)
{
    m_writer->setPageSize(QPageSize(QPageSize::A4));
    m_writer->setPageMargins(QMarginsF(0, 0, 0, 0));
    m_writer->setResolution(300);
    m_writer->setTitle(title);
    m_writer->setCreator(QStringLiteral("FedPilot"));
    m_open = m_painter.begin(m_writer.get());
    if (m_open)
        beginPage();
}

PdfLayout::~PdfLayout()
{
    if (m_painter.isActive())
        m_painter.end();
}

QFont PdfLayout::font(double px, bool bold) const
{
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setStyleHint(QFont::SansSerif);
    f.setPixelSize(std::max(1, qRound(px * 4)) );  // quarter points: pixel sizes are integers
    f.setBold(bold);
    return f;
}

void PdfLayout::beginPage()
{
    ++m_pages;
    m_painter.resetTransform();
    // Work in points; fonts use pixel sizes in quarter points, hence the extra 1/4 in text().
    const double scale = m_writer->resolution() / 72.0;
    m_painter.scale(scale, scale);
    m_painter.setRenderHint(QPainter::Antialiasing);
    m_painter.setRenderHint(QPainter::TextAntialiasing);
    m_y = kMargin;
    // Running header: a thin brand rule and the report title.
    m_painter.setPen(Qt::NoPen);
    m_painter.setBrush(QColor(0x1f, 0x5f, 0x8b));
    m_painter.drawRect(QRectF(0, 0, kPageWidth, 6));
    m_painter.save();
    m_painter.scale(0.25, 0.25);
    m_painter.setFont(font(7.5));
    m_painter.setPen(kMuted);
    m_painter.drawText(QRectF(kMargin * 4, 18 * 4, contentWidth() * 4, 12 * 4), Qt::AlignLeft | Qt::AlignVCenter, m_title);
    m_painter.restore();
    drawFooter();
}

void PdfLayout::drawFooter()
{
    m_painter.save();
    m_painter.setPen(QPen(kRule, 0.5));
    m_painter.drawLine(QPointF(kMargin, kPageHeight - kFooterHeight), QPointF(kPageWidth - kMargin, kPageHeight - kFooterHeight));
    m_painter.scale(0.25, 0.25);
    m_painter.setFont(font(7.5));
    m_painter.setPen(kMuted);
    const QRectF r(kMargin * 4, (kPageHeight - kFooterHeight + 4) * 4, contentWidth() * 4, 12 * 4);
    m_painter.drawText(r, Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("FedPilot — federated face recognition pilots"));
    m_painter.drawText(r, Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("page %1").arg(m_pages));
    m_painter.restore();
}

void PdfLayout::newPage()
{
    m_writer->newPage();
    beginPage();
}

void PdfLayout::ensureSpace(double height)
{
    if (m_y + height > kPageHeight - kFooterHeight - 8)
        newPage();
}

bool PdfLayout::finish()
{
    if (!m_open)
        return false;
    return m_painter.end();
}

// Text is drawn in a 4x finer coordinate system so that integer pixel sizes give quarter-point
// font sizes; every text helper below goes through this.
static void drawTextScaled(QPainter& p, const QRectF& r, int flags, const QString& text)
{
    p.save();
    p.scale(0.25, 0.25);
    p.drawText(QRectF(r.x() * 4, r.y() * 4, r.width() * 4, r.height() * 4), flags, text);
    p.restore();
}

static double textHeight(const QFont& f, double width, const QString& text)
{
    const QFontMetricsF fm(f);
    return fm.boundingRect(QRectF(0, 0, width * 4, 1e6), Qt::TextWordWrap, text).height() / 4.0;
}

void PdfLayout::heading(const QString& text, int level)
{
    const double px = level == 1 ? 15 : 11.5;
    ensureSpace(px * 2 + 40);  // keep a heading with what follows
    m_y += level == 1 ? 10 : 6;
    m_painter.setFont(font(px, true));
    m_painter.setPen(level == 1 ? QColor(0x1f, 0x5f, 0x8b) : kInk);
    drawTextScaled(m_painter, QRectF(kMargin, m_y, contentWidth(), px * 1.5), Qt::AlignLeft | Qt::AlignVCenter, text);
    m_y += px * 1.5;
    if (level == 1) {
        m_painter.setPen(QPen(kRule, 0.75));
        m_painter.drawLine(QPointF(kMargin, m_y + 2), QPointF(kPageWidth - kMargin, m_y + 2));
        m_y += 6;
    }
    m_y += 4;
}

void PdfLayout::paragraph(const QString& text, double fontPx, const QColor& color)
{
    const QFont f = font(fontPx);
    const double h = textHeight(f, contentWidth(), text);
    ensureSpace(h + 4);
    m_painter.setFont(f);
    m_painter.setPen(color);
    drawTextScaled(m_painter, QRectF(kMargin, m_y, contentWidth(), h + 2), Qt::TextWordWrap | Qt::AlignLeft | Qt::AlignTop, text);
    m_y += h + 6;
}

void PdfLayout::callout(const QString& title, const QString& text, const QColor& background, const QColor& accent)
{
    const QFont bodyFont = font(9.5);
    const double bodyH = textHeight(bodyFont, contentWidth() - 28, text);
    const double h = 14 + 20 + bodyH + 12;
    ensureSpace(h + 8);
    const QRectF box(kMargin, m_y, contentWidth(), h);
    m_painter.setPen(Qt::NoPen);
    m_painter.setBrush(background);
    m_painter.drawRoundedRect(box, 4, 4);
    m_painter.setBrush(accent);
    m_painter.drawRect(QRectF(box.left(), box.top(), 5, box.height()));
    m_painter.setFont(font(14, true));
    m_painter.setPen(accent);
    drawTextScaled(m_painter, QRectF(box.left() + 18, box.top() + 10, box.width() - 28, 22), Qt::AlignLeft | Qt::AlignVCenter, title);
    m_painter.setFont(bodyFont);
    m_painter.setPen(kInk);
    drawTextScaled(m_painter, QRectF(box.left() + 18, box.top() + 36, box.width() - 28, bodyH + 4),
                   Qt::TextWordWrap | Qt::AlignLeft | Qt::AlignTop, text);
    m_y += h + 10;
}

void PdfLayout::tiles(const QVector<QPair<QString, QString>>& items)
{
    if (items.isEmpty())
        return;
    const double h = 46;
    ensureSpace(h + 8);
    const double gap = 8;
    const double w = (contentWidth() - gap * (items.size() - 1)) / items.size();
    for (int i = 0; i < items.size(); ++i) {
        const QRectF r(kMargin + i * (w + gap), m_y, w, h);
        m_painter.setPen(QPen(kRule, 0.75));
        m_painter.setBrush(QColor(0xfb, 0xfc, 0xfd));
        m_painter.drawRoundedRect(r, 3, 3);
        m_painter.setFont(font(7.5));
        m_painter.setPen(kMuted);
        drawTextScaled(m_painter, r.adjusted(8, 6, -6, -h + 18), Qt::AlignLeft | Qt::AlignVCenter, items[i].first.toUpper());
        m_painter.setFont(font(14, true));
        m_painter.setPen(kInk);
        drawTextScaled(m_painter, r.adjusted(8, 20, -6, -4), Qt::AlignLeft | Qt::AlignVCenter, items[i].second);
    }
    m_y += h + 12;
}

void PdfLayout::table(const QStringList& header, const QVector<QStringList>& rows, const TableStyle& style)
{
    const int cols = header.size();
    if (cols == 0)
        return;
    QVector<double> weights = style.columnWeights;
    if (weights.size() != cols)
        weights = QVector<double>(cols, 1.0);
    const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
    QVector<double> x(cols + 1, kMargin);
    for (int c = 0; c < cols; ++c)
        x[c + 1] = x[c] + contentWidth() * weights[c] / total;
    const QFont bodyFont = font(style.fontPx);
    const QFont headFont = font(style.fontPx, true);
    QFont monoFont = bodyFont;
    monoFont.setFamily(QStringLiteral("DejaVu Sans Mono"));
    const double rowH = style.fontPx * 1.9;

    const auto drawRow = [&](const QStringList& cells, bool head, int index) {
        if (head) {
            m_painter.setPen(Qt::NoPen);
            m_painter.setBrush(kHeaderFill);
            m_painter.drawRect(QRectF(kMargin, m_y, contentWidth(), rowH));
        } else if (index % 2 == 1) {
            m_painter.setPen(Qt::NoPen);
            m_painter.setBrush(kZebra);
            m_painter.drawRect(QRectF(kMargin, m_y, contentWidth(), rowH));
        }
        m_painter.setPen(head ? kInk : QColor(0x33, 0x33, 0x33));
        for (int c = 0; c < cols && c < cells.size(); ++c) {
            const bool mono = !head && style.monospaceLastColumn && c == cols - 1;
            m_painter.setFont(head ? headFont : mono ? monoFont : bodyFont);
            const Qt::Alignment a = c < style.align.size() ? style.align[c] : Qt::AlignLeft;
            const QRectF cell(x[c] + 4, m_y, x[c + 1] - x[c] - 8, rowH);
            const QFontMetricsF fm(m_painter.font());
            const QString text = fm.elidedText(cells[c], Qt::ElideMiddle, cell.width() * 4);
            drawTextScaled(m_painter, cell, a | Qt::AlignVCenter, text);
        }
        m_painter.setPen(QPen(kRule, 0.4));
        m_painter.drawLine(QPointF(kMargin, m_y + rowH), QPointF(kPageWidth - kMargin, m_y + rowH));
        m_y += rowH;
    };

    ensureSpace(rowH * std::min<qsizetype>(3, rows.size() + 1));
    drawRow(header, true, 0);
    for (int i = 0; i < rows.size(); ++i) {
        if (m_y + rowH > kPageHeight - kFooterHeight - 8) {
            newPage();
            drawRow(header, true, 0);  // a continued table repeats its header
        }
        drawRow(rows[i], false, i);
    }
    m_y += 10;
}

void PdfLayout::figure(double height, const std::function<void(QPainter&, const QRectF&)>& draw)
{
    ensureSpace(height + 6);
    const QRectF box(kMargin, m_y, contentWidth(), height);
    m_painter.save();
    draw(m_painter, box);
    m_painter.restore();
    m_y += height + 10;
}

}  // namespace fedpilot::report
