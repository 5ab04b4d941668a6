#include "FedCliSupport.h"

#include "CliSupport.h"

#include <QTextStream>

#include <QJsonArray>
#include <QJsonObject>

namespace fedpilot::cli {

void addPilotOverrideOptions(QCommandLineParser& p)
{
    p.addOption({QStringLiteral("name"), QStringLiteral("Pilot name."), QStringLiteral("NAME")});
    p.addOption({QStringLiteral("strategy"), QStringLiteral("adafedfr, fedavg or local."), QStringLiteral("S")});
    p.addOption({QStringLiteral("rounds"), QStringLiteral("Federated rounds."), QStringLiteral("n")});
    p.addOption({QStringLiteral("min-sites"), QStringLiteral("Sites needed before a round may close."), QStringLiteral("n")});
    p.addOption({QStringLiteral("size"), QStringLiteral("Face size in pixels (multiple of 16)."), QStringLiteral("px")});
    p.addOption({QStringLiteral("local-epochs"), QStringLiteral("Local epochs per round."), QStringLiteral("n")});
    p.addOption({QStringLiteral("pretrain-epochs"), QStringLiteral("Epochs of pretraining of the generic model."), QStringLiteral("n")});
    p.addOption({QStringLiteral("wait-after-min"), QStringLiteral("Seconds to wait for stragglers once min sites reported."), QStringLiteral("s")});
    p.addOption({QStringLiteral("round-timeout"), QStringLiteral("Seconds after which a round closes regardless."), QStringLiteral("s")});
    p.addOption({QStringLiteral("dp-epsilon"), QStringLiteral("Per-round epsilon of central DP (0 = off)."), QStringLiteral("x")});
}

engine::Result<federation::PilotConfig> readPilotConfig(const QCommandLineParser& p)
{
    using R = engine::Result<federation::PilotConfig>;
    federation::PilotConfig config;
    if (p.isSet(QStringLiteral("config"))) {
        auto loaded = federation::loadPilotConfig(p.value(QStringLiteral("config")));
        if (!loaded)
            return loaded.status();
        config = loaded.value();
    } else {
        auto defaults = federation::parsePilotConfig(QJsonObject());
        if (!defaults)
            return defaults.status();
        config = defaults.value();
    }
    // Re-validate through the JSON parser so overrides get the same checks as the file.
    QJsonObject json = federation::toJson(config);
    auto setNumber = [&](const char* option, const char* key) {
        if (p.isSet(QLatin1String(option))) {
            bool ok = false;
            const double v = p.value(QLatin1String(option)).toDouble(&ok);
            json.insert(QLatin1String(key), ok ? QJsonValue(v) : QJsonValue(p.value(QLatin1String(option))));
        }
    };
    if (p.isSet(QStringLiteral("name")))
        json.insert(QStringLiteral("name"), p.value(QStringLiteral("name")));
    if (p.isSet(QStringLiteral("strategy")))
        json.insert(QStringLiteral("strategy"), p.value(QStringLiteral("strategy")));
    setNumber("rounds", "rounds");
    setNumber("min-sites", "min_sites");
    setNumber("size", "input_size");
    setNumber("local-epochs", "local_epochs");
    setNumber("wait-after-min", "wait_after_min_s");
    setNumber("round-timeout", "round_timeout_s");
    if (p.isSet(QStringLiteral("pretrain-epochs"))) {
        QJsonObject pub = json.value(QStringLiteral("public")).toObject();
        pub.insert(QStringLiteral("pretrain_epochs"), p.value(QStringLiteral("pretrain-epochs")).toInt());
        json.insert(QStringLiteral("public"), pub);
    }
    if (p.isSet(QStringLiteral("dp-epsilon"))) {
        const double eps = p.value(QStringLiteral("dp-epsilon")).toDouble();
        if (eps > 0)
            json.insert(QStringLiteral("dp"), QJsonObject{{QStringLiteral("epsilon"), eps}, {QStringLiteral("delta"), config.dpDelta},
                                                          {QStringLiteral("clip"), config.dpClip}});
        else
            json.remove(QStringLiteral("dp"));
    }
    auto parsed = federation::parsePilotConfig(json);
    if (!parsed)
        return R::error(parsed.message());
    return parsed;
}

int dispatchSubcommand(const QStringList& args, std::initializer_list<Subcommand> subcommands)
{
    const QString sub = args.value(1);
    for (const Subcommand& c : subcommands) {
        if (sub == QLatin1String(c.name)) {
            QStringList rest = args.mid(2);
            rest.prepend(args.value(0) + QLatin1Char(' ') + sub);
            return c.run(rest);
        }
    }
    const bool help = sub == QStringLiteral("--help") || sub == QStringLiteral("-h");
    QTextStream out(help ? stdout : stderr);
    if (!help)
        out << (sub.isEmpty() ? QStringLiteral("%1: a subcommand is needed\n").arg(args.value(0))
                              : QStringLiteral("%1: unknown subcommand '%2'\n").arg(args.value(0), sub));
    out << "Usage: " << args.value(0) << " <subcommand> [options]\n\nSubcommands:\n";
    for (const Subcommand& c : subcommands)
        out << "  " << QString::fromLatin1(c.name).leftJustified(18) << c.summary << '\n';
    out << "\nRun '" << args.value(0) << " <subcommand> --help' for its options.\n";
    return help ? kExitOk : kExitUsage;
}

}  // namespace fedpilot::cli
