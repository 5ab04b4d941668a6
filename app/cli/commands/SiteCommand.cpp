// Placeholder: this command is being built (see the project's issues).
#include "CliCommand.h"
#include "CliSupport.h"

namespace fedpilot::cli {

int runSite(const QStringList& args)
{
    return fail(args.value(0) + QStringLiteral(": not available in this build yet"));
}

}  // namespace fedpilot::cli
