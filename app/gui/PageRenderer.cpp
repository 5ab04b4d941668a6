#include "PageRenderer.h"

#include "MainWindow.h"
#include "dialogs/ImportProgressPage.h"
#include "dialogs/ImportWizard.h"
#include "imports/SyntheticFolder.h"
#include "pages/ChartsPage.h"
#include "pages/DataPage.h"
#include "pages/TrainingPage.h"
#include "report/DemoHistory.h"
#include "report/HistoryWriter.h"

#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QEventLoop>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>

namespace fedpilot::gui {
namespace {

// Waits for signal on sender (or the timeout), keeping the event loop running.
template <typename Sender, typename Signal>
bool waitFor(Sender* sender, Signal signal, int timeoutMs)
{
    QEventLoop loop;
    bool fired = false;
    QObject::connect(sender, signal, &loop, [&] {
        fired = true;
        loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    return fired;
}

void settle(int ms = 150)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

}  // namespace

PageRenderer::PageRenderer(QString outDir) : m_outDir(std::move(outDir)) {}

int PageRenderer::run()
{
    QTextStream err(stderr);
    if (!QDir().mkpath(m_outDir)) {
        err << "fedpilot: cannot create " << m_outDir << "\n";
        return 1;
    }
    QTemporaryDir temp;
    int written = 0;
    int failed = 0;
    const auto save = [&](QWidget* widget, const QString& name) {
        settle();
        const QString path = QDir(m_outDir).filePath(name + QStringLiteral(".png"));
        if (widget->grab().save(path)) {
            ++written;
            err << "fedpilot: wrote " << path << "\n";
        } else {
            ++failed;
            err << "fedpilot: could not write " << path << "\n";
        }
    };

    // A site workspace with demo pilots, imported synthetic faces and a short local training.
    ui::MainWindow window;
    window.resize(1360, 860);
    window.show();
    if (!window.openWorkspace(temp.filePath(QStringLiteral("lyon-hcl")), ui::WorkspaceRole::Site))
        return 1;
    // Screenshots use fixture histories (report::makeDemoHistory: plausible, deterministic, not
    // trained) so rendering stays fast; the pilots are named "fixture-…" so no picture passes them
    // off as measured. File > Load demo pilots in the application runs real simulations.
    report::DemoHistoryOptions ada;
    ada.name = QStringLiteral("fixture-adafedfr");
    report::DemoHistoryOptions fedavg;
    fedavg.name = QStringLiteral("fixture-fedavg");
    fedavg.strategy = QStringLiteral("fedavg");
    fedavg.seed = 2;
    for (const auto& o : {fedavg, ada}) {
        if (!report::writeHistory(window.workspace().database(), report::makeDemoHistory(o))) {
            err << "fedpilot: could not write the fixture pilots\n";
            return 1;
        }
    }
    err << "fedpilot: charts and reports show fixture histories (not trained)\n";
    Q_EMIT window.workspace().historyChanged();
    SyntheticFolderOptions synth;
    synth.outDir = temp.filePath(QStringLiteral("faces"));
    synth.identities = 16;
    synth.imagesPerIdentity = 8;
    synth.size = 112;
    if (!writeSyntheticFolder(synth))
        return 1;
    // Two damaged files so the result shows rejected files grouped by reason.
    QFile bad(QDir(synth.outDir).filePath(QStringLiteral("person_0001/notes.png")));
    if (bad.open(QIODevice::WriteOnly))
        bad.write("not an image");
    bad.close();
    QFile tiny(QDir(synth.outDir).filePath(QStringLiteral("person_0002/scan.txt")));
    if (tiny.open(QIODevice::WriteOnly))
        tiny.write("x");
    tiny.close();

    auto* data = qobject_cast<ui::DataPage*>(window.page(QStringLiteral("dataPage")));
    auto* wizard = data->openImportWizard();
    wizard->setFolder(synth.outDir);
    wizard->findChild<QCheckBox*>(QStringLiteral("importAligned"))->setChecked(true);
    wizard->findChild<QSpinBox*>(QStringLiteral("importSize"))->setValue(64);
    wizard->resize(760, 540);
    wizard->next();
    if (!waitFor(wizard, &ui::ImportWizard::imported, 120000)) {
        err << "fedpilot: the import did not finish\n";
        return 1;
    }
    save(wizard, QStringLiteral("07-import-result"));
    wizard->close();

    auto* training = qobject_cast<ui::TrainingPage*>(window.page(QStringLiteral("trainingPage")));
    window.showPage(training);
    training->findChild<QSpinBox*>(QStringLiteral("trainInputSize"))->setValue(64);
    training->findChild<QSpinBox*>(QStringLiteral("trainEmbedding"))->setValue(128);
    training->findChild<QSpinBox*>(QStringLiteral("trainEpochs"))->setValue(6);
    training->findChild<QDoubleSpinBox*>(QStringLiteral("trainLearningRate"))->setValue(0.1);
    training->findChild<QSpinBox*>(QStringLiteral("trainBatch"))->setValue(32);
    if (training->start() && !waitFor(training, &ui::TrainingPage::trainingFinished, 300000))
        err << "fedpilot: the training did not finish in time\n";

    auto* charts = qobject_cast<ui::ChartsPage*>(window.page(QStringLiteral("chartsPage")));
    charts->selectPilot(QStringLiteral("fixture-adafedfr"));
    charts->selectComparison(QStringLiteral("fixture-fedavg"));
    const QStringList order = {QStringLiteral("chartsPage"), QStringLiteral("reportsPage"), QStringLiteral("sitesPage"),
                               QStringLiteral("dataPage"), QStringLiteral("trainingPage")};
    int index = 1;
    for (const QString& name : order) {
        window.showPage(window.page(name));
        save(&window, QStringLiteral("%1-%2").arg(index++, 2, 10, QLatin1Char('0')).arg(name.chopped(4)));
    }

    // A coordinator workspace in the middle of a pilot: round 3 collecting.
    ui::MainWindow coordinator;
    coordinator.resize(1360, 860);
    coordinator.show();
    if (!coordinator.openWorkspace(temp.filePath(QStringLiteral("coordinator")), ui::WorkspaceRole::Coordinator))
        return 1;
    report::DemoHistoryOptions live;
    live.name = QStringLiteral("pilot-2025-03");
    live.completedRounds = 2;
    live.rounds = 3;
    if (!report::writeHistory(coordinator.workspace().database(), report::makeDemoHistory(live)))
        return 1;
    Q_EMIT coordinator.workspace().historyChanged();
    coordinator.showPage(coordinator.page(QStringLiteral("federationPage")));
    save(&coordinator, QStringLiteral("%1-federation").arg(index++, 2, 10, QLatin1Char('0')));
    return failed == 0 && written > 0 ? 0 : 1;
}

}  // namespace fedpilot::gui
