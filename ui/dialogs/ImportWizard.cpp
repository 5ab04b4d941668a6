#include "dialogs/ImportWizard.h"

#include "app/Workspace.h"
#include "dialogs/ImportProgressPage.h"
#include "models/RejectedFilesModel.h"

#include <QCheckBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QImageReader>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTreeView>
#include <QVBoxLayout>

namespace fedpilot::ui {

ImportWizard::ImportWizard(Workspace& workspace, QWidget* parent) : QWizard(parent), m_workspace(workspace)
{
    setObjectName(QStringLiteral("importWizard"));
    setWindowTitle(tr("Import faces"));
    setWizardStyle(QWizard::ModernStyle);
    setOption(QWizard::NoBackButtonOnStartPage);
    setOption(QWizard::NoBackButtonOnLastPage);
    setOption(QWizard::NoCancelButtonOnLastPage);
    setMinimumSize(720, 520);
    setPage(OptionsPageId, createOptionsPage());
    m_progress = new ImportProgressPage(workspace.database(), [this] { return options(); }, this);
    m_progress->setCommitPage(true);
    setPage(ProgressPageId, m_progress);
    setPage(ResultPageId, createResultPage());
    connect(m_progress, &ImportProgressPage::importFinished, this, [this](const jobs::ImportTaskResult& r) {
        showResult(r);
        Q_EMIT imported(r);
        if (currentId() == ProgressPageId)
            next();
    });
}

QWizardPage* ImportWizard::createOptionsPage()
{
    auto* page = new QWizardPage(this);
    page->setObjectName(QStringLiteral("importOptionsPage"));
    page->setTitle(tr("Choose a folder"));
    page->setSubTitle(tr("One sub-folder per person, images inside (jpg, png, bmp, pgm, gif; any size, colour or grey). "
                         "Re-importing the same folder only processes new or changed files."));
    auto* form = new QFormLayout(page);
    auto* row = new QHBoxLayout;
    m_folder = new QLineEdit(page);
    m_folder->setObjectName(QStringLiteral("importFolder"));
    auto* browse = new QPushButton(tr("Browse…"), page);
    browse->setObjectName(QStringLiteral("importBrowse"));
    row->addWidget(m_folder, 1);
    row->addWidget(browse);
    form->addRow(tr("Folder"), row);
    m_aligned = new QCheckBox(tr("Images are already aligned face crops (skip detection)"), page);
    m_aligned->setObjectName(QStringLiteral("importAligned"));
    form->addRow(QString(), m_aligned);
    m_size = new QSpinBox(page);
    m_size->setObjectName(QStringLiteral("importSize"));
    m_size->setRange(32, 224);
    m_size->setSingleStep(16);
    m_size->setValue(112);
    m_size->setSuffix(tr(" px"));
    form->addRow(tr("Face crop size"), m_size);
    m_heldOut = new QDoubleSpinBox(page);
    m_heldOut->setObjectName(QStringLiteral("importHeldOut"));
    m_heldOut->setRange(0, 90);
    m_heldOut->setValue(20);
    m_heldOut->setSuffix(tr(" %"));
    form->addRow(tr("Held out for evaluation"), m_heldOut);
    m_minImages = new QSpinBox(page);
    m_minImages->setObjectName(QStringLiteral("importMinImages"));
    m_minImages->setRange(1, 1000);
    m_minImages->setValue(2);
    form->addRow(tr("Min. usable images per person"), m_minImages);
    m_quality = new QCheckBox(tr("Reject blurry images and near-duplicates"), page);
    m_quality->setObjectName(QStringLiteral("importQuality"));
    m_quality->setChecked(true);
    m_quality->setToolTip(tr("Turn off for small, already curated crops where sharpness measures are unreliable"));
    form->addRow(QString(), m_quality);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder of faces"), m_folder->text());
        if (!dir.isEmpty())
            m_folder->setText(dir);
    });
    return page;
}

QWizardPage* ImportWizard::createResultPage()
{
    auto* page = new QWizardPage(this);
    page->setObjectName(QStringLiteral("importResultPage"));
    page->setTitle(tr("Result"));
    auto* layout = new QVBoxLayout(page);
    m_summary = new QLabel(page);
    m_summary->setObjectName(QStringLiteral("importSummary"));
    m_summary->setWordWrap(true);
    layout->addWidget(m_summary);
    auto* row = new QHBoxLayout;
    m_rejected = new RejectedFilesModel(this);
    m_rejectedView = new QTreeView(page);
    m_rejectedView->setObjectName(QStringLiteral("importRejected"));
    m_rejectedView->setModel(m_rejected);
    m_rejectedView->header()->setStretchLastSection(true);
    m_rejectedView->setAlternatingRowColors(true);
    row->addWidget(m_rejectedView, 1);
    m_thumbnail = new QLabel(page);
    m_thumbnail->setObjectName(QStringLiteral("importThumbnail"));
    m_thumbnail->setFixedSize(140, 140);
    m_thumbnail->setAlignment(Qt::AlignCenter);
    m_thumbnail->setWordWrap(true);
    m_thumbnail->setFrameShape(QFrame::StyledPanel);
    row->addWidget(m_thumbnail);
    layout->addLayout(row, 1);
    connect(m_rejectedView->selectionModel(), &QItemSelectionModel::currentChanged, this, &ImportWizard::showThumbnail);
    return page;
}

ImportOptions ImportWizard::options() const
{
    ImportOptions o;
    o.folder = m_folder->text().trimmed();
    o.size = m_size->value() / 16 * 16;
    o.mode = m_aligned->isChecked() ? AlignMode::PreAligned : AlignMode::Detect;
    o.heldOutFraction = m_heldOut->value() / 100.0;
    o.minImages = m_minImages->value();
    o.minFaceSide = std::min(o.minFaceSide, o.size);
    if (!m_quality->isChecked()) {
        o.blurThreshold = 0;
        o.nearDuplicateBits = 0;
    }
    // One cache per crop size, so models of different input sizes can coexist.
    o.cachePath = m_workspace.path(QStringLiteral("data/faces_%1.fpcache").arg(o.size));
    QDir().mkpath(m_workspace.path(QStringLiteral("data")));
    return o;
}

void ImportWizard::setFolder(const QString& folder)
{
    m_folder->setText(folder);
}

void ImportWizard::showResult(const jobs::ImportTaskResult& r)
{
    m_root = m_folder->text().trimmed();
    if (!r.ok) {
        m_summary->setText(tr("<b>The import failed.</b> %1").arg(r.error.toHtmlEscaped()));
        m_rejected->reload(nullptr, 0);
        return;
    }
    const ImportSummary& s = r.summary;
    qint64 rejected = 0;
    for (auto it = s.rejected.begin(); it != s.rejected.end(); ++it)
        rejected += it.value();
    const QString head = s.state == ImportState::Cancelled
        ? tr("<b>Import cancelled.</b> The %1 files analysed so far are kept; importing again continues from there.").arg(s.processed)
        : tr("<b>%1 identities, %2 faces in the cache</b> (%3 train, %4 held out).").arg(s.identities).arg(s.imagesInCache)
              .arg(s.imagesTrain).arg(s.imagesHeldOut);
    m_summary->setText(head + QStringLiteral("<br>")
                       + tr("%1 files seen · %2 usable · %3 rejected · %4 unchanged since the last import · %5 s")
                             .arg(s.imagesTotal).arg(s.imagesOk).arg(rejected).arg(s.reused).arg(s.seconds, 0, 'f', 1)
                       + (s.identitiesTooFew > 0 ? QStringLiteral("<br>") + tr("%1 identities left out: fewer usable images than required.")
                                                                            .arg(s.identitiesTooFew)
                                                 : QString()));
    m_rejected->reload(&m_workspace.database(), s.datasetId);
    m_rejectedView->expandAll();
    m_rejectedView->resizeColumnToContents(0);
    m_thumbnail->setText(m_rejected->fileCount() > 0 ? tr("Select a file to preview it") : tr("No file rejected"));
}

void ImportWizard::showThumbnail()
{
    const QString rel = m_rejectedView->currentIndex().data(RejectedFilesModel::PathRole).toString();
    if (rel.isEmpty())
        return;
    QImageReader reader(QDir(m_root).filePath(rel));
    reader.setAutoTransform(true);
    const QSize size = reader.size();
    // Thumbnails only for files that decode and are not huge: the import already judged the rest.
    if (size.isValid() && qint64(size.width()) * size.height() < 40'000'000) {
        reader.setScaledSize(size.scaled(132, 132, Qt::KeepAspectRatio));
        const QImage image = reader.read();
        if (!image.isNull()) {
            m_thumbnail->setPixmap(QPixmap::fromImage(image));
            return;
        }
    }
    m_thumbnail->setText(tr("Cannot be decoded"));
}

bool ImportWizard::validateCurrentPage()
{
    // Leaving the options page starts the import: only with a folder that exists.
    if (currentId() == OptionsPageId && !QFileInfo(m_folder->text().trimmed()).isDir()) {
        m_folder->setFocus();
        m_folder->setStyleSheet(QStringLiteral("border: 1px solid #c0392b"));
        return false;
    }
    m_folder->setStyleSheet(QString());
    return QWizard::validateCurrentPage();
}

void ImportWizard::reject()
{
    if (m_progress->isRunning())
        m_progress->cancel();
    QWizard::reject();
}

}  // namespace fedpilot::ui
