#pragma once
// Flowing layout on a QPdfWriter in points (1/72 inch, A4 = 595 x 842): headings, paragraphs,
// tables that continue on the next page with their header repeated, boxes for charts. Keeps the
// report code about content, not about coordinates and page breaks.

#include <QColor>
#include <QFont>
#include <QPainter>
#include <QPdfWriter>
#include <QRectF>
#include <QString>
#include <QStringList>
#include <QVector>

#include <functional>
#include <memory>

namespace fedpilot::report {

struct TableStyle {
    QVector<double> columnWeights;   // relative widths; empty = equal
    QVector<Qt::Alignment> align;    // per column; default left
    double fontPx = 8.5;
    bool monospaceLastColumn = false;
};

class PdfLayout {
public:
    // Opens path for writing; check isOpen().
    PdfLayout(const QString& path, const QString& title);
    ~PdfLayout();

    bool isOpen() const { return m_open; }
    // Finishes the document; false when the file could not be written.
    bool finish();
    int pageCount() const { return m_pages; }

    double contentWidth() const { return kPageWidth - 2 * kMargin; }
    double left() const { return kMargin; }
    double y() const { return m_y; }
    QPainter& painter() { return m_painter; }

    void newPage();
    // Starts a new page when less than height points are left.
    void ensureSpace(double height);
    void space(double points) { m_y += points; }

    void heading(const QString& text, int level = 1);
    void paragraph(const QString& text, double fontPx = 9.5, const QColor& color = QColor(0x33, 0x33, 0x33));
    // A coloured box with a bold line and a sentence (the go/no-go verdict).
    void callout(const QString& title, const QString& text, const QColor& background, const QColor& accent);
    // Label/value tiles in one row (key figures).
    void tiles(const QVector<QPair<QString, QString>>& tiles);
    void table(const QStringList& header, const QVector<QStringList>& rows, const TableStyle& style = {});
    // Reserves a box of the given height and lets draw paint into it.
    void figure(double height, const std::function<void(QPainter&, const QRectF&)>& draw);

    static constexpr double kPageWidth = 595.0;
    static constexpr double kPageHeight = 842.0;
    static constexpr double kMargin = 48.0;

private:
    void beginPage();
    void drawFooter();
    QFont font(double px, bool bold = false) const;

    std::unique_ptr<QPdfWriter> m_writer;
    QPainter m_painter;
    QString m_title;
    bool m_open = false;
    double m_y = 0;
    int m_pages = 0;
};

}  // namespace fedpilot::report
