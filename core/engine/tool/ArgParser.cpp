#include "ArgParser.h"

#include <algorithm>
#include <cstdlib>

namespace fedpilot::tool {

ArgParser::ArgParser(const std::vector<std::string>& args, const std::vector<std::string>& flags)
{
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.rfind("--", 0) != 0) {
            m_error = "unexpected argument '" + a + "'";
            return;
        }
        const std::string name = a.substr(2);
        if (std::find(flags.begin(), flags.end(), name) != flags.end()) {
            m_values[name] = "1";
        } else if (i + 1 < args.size()) {
            m_values[name] = args[++i];
        } else {
            m_error = "option --" + name + " needs a value";
            return;
        }
    }
}

std::string ArgParser::get(const std::string& name, const std::string& fallback) const
{
    auto it = m_values.find(name);
    return it == m_values.end() ? fallback : it->second;
}

long long ArgParser::getInt(const std::string& name, long long fallback)
{
    auto it = m_values.find(name);
    if (it == m_values.end())
        return fallback;
    char* end = nullptr;
    const long long v = std::strtoll(it->second.c_str(), &end, 10);
    if (end == it->second.c_str() || *end != '\0') {
        m_error = "--" + name + " expects an integer";
        return fallback;
    }
    return v;
}

double ArgParser::getDouble(const std::string& name, double fallback)
{
    auto it = m_values.find(name);
    if (it == m_values.end())
        return fallback;
    char* end = nullptr;
    const double v = std::strtod(it->second.c_str(), &end);
    if (end == it->second.c_str() || *end != '\0') {
        m_error = "--" + name + " expects a number";
        return fallback;
    }
    return v;
}

}  // namespace fedpilot::tool
