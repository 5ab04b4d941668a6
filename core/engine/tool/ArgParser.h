#pragma once
// Minimal "--name value" / "--flag" parsing for the engine-only tool (which has no Qt).

#include <map>
#include <string>
#include <vector>

namespace fedpilot::tool {

class ArgParser {
public:
    // flags: options that take no value.
    ArgParser(const std::vector<std::string>& args, const std::vector<std::string>& flags);
    bool ok() const { return m_error.empty(); }
    const std::string& error() const { return m_error; }
    bool has(const std::string& name) const { return m_values.count(name) != 0; }
    std::string get(const std::string& name, const std::string& fallback) const;
    // Integer/double values; records an error (and returns the fallback) when malformed.
    long long getInt(const std::string& name, long long fallback);
    double getDouble(const std::string& name, double fallback);

private:
    std::map<std::string, std::string> m_values;
    std::string m_error;
};

}  // namespace fedpilot::tool
